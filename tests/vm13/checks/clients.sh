# tests/vm13/checks/clients.sh: the client scenarios of issue 14 as one table,
# scenarios x clients x cgroup drivers x runtimes. Sourced by guest/main.
#
# A client is a row of adapter functions, <client>_<op> (setup, run, start,
# exec, stop, gone, teardown), that drive one client (podman, rootless
# podman, Docker, containerd's ctr) with a given runtime binary; a scenario is
# one function (s_<name>) written against the adapter only. Every scenario
# runs with runc and crun from the guest as controls and with ocirun; the
# results land in the table (one row per client, driver and scenario, the
# runtimes as columns).
#
# ocirun with the systemd driver needs `features` to report "systemd": true;
# until then its rows still run (their result is in the table) but count as
# TAP SKIP. VM13_ONLY (a regex on "client/driver/scenario/runtime") narrows
# the run.

RUNTIMES=(runc crun ocirun)
declare -A RT_PATH=([runc]=/usr/sbin/runc [crun]=/usr/bin/crun [ocirun]=/usr/local/bin/ocirun)
CLIENTS=(podman podman-rootless docker containerd)
DRIVERS=(systemd cgroupfs)
IMG=localhost/busybox:latest
# Rows where ocirun fails and the controls pass, known and not fixed yet:
# TAP TODO with the reason (still FAIL in the table), so that they are seen
# without turning `make test` red. Remove an entry when its row passes.
declare -A KNOWN_GAPS=(
)
TMO=120 # seconds for one client command
C_OUT="$(mktemp)"

# --- podman (rootful) ----------------------------------------------------------
# The runtime is given by path (--runtime); the driver with --cgroup-manager,
# which podman hands on to the runtime (--systemd-cgroup for systemd).
P_DRIVER=systemd
P_AS=() # the rootless row runs the same adapter through runuser

pod() { timeout "$TMO" "${P_AS[@]}" podman --cgroup-manager="$P_DRIVER" "$@"; }
podman_setup() {
	P_DRIVER="$1"
	P_AS=()
	podman_load
}
podman_load() {
	pod image exists "$IMG" 2>/dev/null && return 0
	local out ref
	out="$(pod load -i "$VM13_IMAGE")" || return 1
	# podman names an OCI archive after its ref annotation: tag it as IMG.
	ref="$(echo "$out" | sed -n 's/^Loaded image[^:]*: //p' | head -n1)"
	pod image exists "$IMG" || pod tag "${ref:?no image loaded: $out}" "$IMG" || return 1
	pod image exists "$IMG"
}
podman_run() { # RT [--memory M] [--pids N] -- CMD...
	local rt="$1" lim=()
	shift
	while [ "$1" != -- ]; do
		case "$1" in
		--memory) lim+=(--memory "$2") ;;
		--pids) lim+=(--pids-limit "$2") ;;
		esac
		shift 2
	done
	shift
	pod run --rm --network none --runtime "${RT_PATH[$rt]}" "${lim[@]}" "$IMG" "$@"
}
podman_start() { pod run -d --network none --runtime "${RT_PATH[$1]}" --name "$2" "$IMG" sleep 1000 >/dev/null; }
podman_exec() {
	local n="$1"
	shift
	pod exec "$n" "$@"
}
podman_stop() { pod stop -t 2 "$1" >/dev/null && pod rm "$1" >/dev/null; }
podman_gone() { ! pod container exists "$1"; }
podman_teardown() { pod rm -af >/dev/null 2>&1 || true; }

# --- rootless podman ------------------------------------------------------------
# User tester (uid 1000) with a lingering user session: podman talks to the
# user's systemd for the systemd driver; cgroups come from user@1000.service's
# delegated subtree.
ROOTLESS_AS=(runuser -u tester -- env XDG_RUNTIME_DIR=/run/user/1000
	DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/1000/bus HOME=/home/tester)
podman-rootless_setup() {
	P_DRIVER="$1"
	P_AS=("${ROOTLESS_AS[@]}")
	# The image is read by the user.
	chmod 644 "$VM13_IMAGE"
	podman_load
}
podman-rootless_run() { podman_run "$@"; }
podman-rootless_start() { podman_start "$@"; }
podman-rootless_exec() { podman_exec "$@"; }
podman-rootless_stop() { podman_stop "$@"; }
podman-rootless_gone() { podman_gone "$@"; }
podman-rootless_teardown() { podman_teardown; }

# --- Docker ---------------------------------------------------------------------
# Each runtime registered in daemon.json "runtimes"; the driver through
# exec-opts native.cgroupdriver. No bridge: the guest has no network.
dock() { timeout "$TMO" docker "$@"; }
docker_setup() {
	mkdir -p /etc/docker
	jq -n --arg d "native.cgroupdriver=$1" --arg o "${RT_PATH[ocirun]}" \
		--arg r "${RT_PATH[runc]}" --arg c "${RT_PATH[crun]}" \
		'{"exec-opts": [$d], bridge: "none", iptables: false, ip6tables: false,
		runtimes: {ocirun: {path: $o}, "runc-deb": {path: $r}, crun: {path: $c}}}' \
		>/etc/docker/daemon.json
	systemctl restart containerd.service docker.service || return 1
	[ "$(dock info -f '{{.CgroupDriver}}')" = "$1" ] || return 1
	dock image inspect "$IMG" >/dev/null 2>&1 || dock load -q -i "$VM13_IMAGE" >/dev/null
}
docker_rt() { # Docker's own "runc" is the built-in name: register Debian's under another
	case "$1" in runc) echo runc-deb ;; *) echo "$1" ;; esac
}
docker_run() {
	local rt="$1" lim=()
	shift
	while [ "$1" != -- ]; do
		case "$1" in
		--memory) lim+=(--memory "$2") ;;
		--pids) lim+=(--pids-limit "$2") ;;
		esac
		shift 2
	done
	shift
	dock run --rm --network none --runtime "$(docker_rt "$rt")" "${lim[@]}" "$IMG" "$@"
}
docker_start() { dock run -d --network none --runtime "$(docker_rt "$1")" --name "$2" "$IMG" sleep 1000 >/dev/null; }
docker_exec() {
	local n="$1"
	shift
	dock exec "$n" "$@"
}
docker_stop() { dock stop -t 2 "$1" >/dev/null && dock rm "$1" >/dev/null; }
docker_gone() { ! dock container inspect "$1" >/dev/null 2>&1; }
docker_teardown() {
	dock rm -f $(dock ps -aq 2>/dev/null) >/dev/null 2>&1 || true
	systemctl stop docker.service docker.socket >/dev/null 2>&1 || true
}

# --- containerd (ctr) -------------------------------------------------------------
# The runc v2 shim with BinaryName set to the runtime (ctr --runc-binary);
# the systemd driver with the shim's SystemdCgroup option
# (--runc-systemd-cgroup) and a slice:prefix:name cgroups path.
CTR_DRIVER=cgroupfs
ctrc() { timeout "$TMO" ctr -n vm13 "$@"; }
containerd_setup() {
	CTR_DRIVER="$1"
	systemctl start containerd.service || return 1
	ctrc images check "name==$IMG" 2>/dev/null | grep -q "$IMG" ||
		ctrc images import "$VM13_IMAGE" >/dev/null || return 1
	ctrc images check "name==$IMG" | grep -q complete
}
ctr_opts() { # RT NAME
	CTR_O=(--runtime io.containerd.runc.v2 --runc-binary "${RT_PATH[$1]}")
	[ "$CTR_DRIVER" != systemd ] || CTR_O+=(--runc-systemd-cgroup --cgroup "system.slice:vm13:$2")
}
containerd_run() {
	local rt="$1" lim=() n="vm13-$RANDOM"
	shift
	while [ "$1" != -- ]; do
		case "$1" in
		--memory) lim+=(--memory-limit "$(($(echo "$2" | tr -d m) * 1048576))") ;;
		esac
		shift 2
	done
	shift
	ctr_opts "$rt" "$n"
	ctrc run --rm "${CTR_O[@]}" "${lim[@]}" "$IMG" "$n" "$@"
}
containerd_no_pids() { :; }
# ctr exits 1 whenever the task cannot be created (no 127 for a missing
# binary, with any runtime): that scenario does not apply to this row.
containerd_not_offered() { [ "$1" = missing_binary ]; }
# Its containers see no cgroup files of their own (no cgroup namespace, and
# the cgroup2 mount there lacks their path): the limit is read from outside,
# in the cgroup of the task's pid (ctr has no pids option).
containerd_limits() { # RT: prints memory.max of a task run with --memory-limit 64m
	local n="vm13-$RANDOM" pid rc=0
	ctr_opts "$1" "$n"
	ctrc run -d "${CTR_O[@]}" --memory-limit 67108864 "$IMG" "$n" sleep 1000 >/dev/null || return 1
	pid="$(ctrc task ls | awk -v n="$n" '$1 == n { print $2 }')"
	cat "/sys/fs/cgroup$(sed -n 's/^0:://p' "/proc/$pid/cgroup")/memory.max" || rc=1
	{ ctrc task kill -s KILL "$n" && sleep 1 && ctrc task delete "$n" && ctrc container rm "$n"; } >/dev/null 2>&1
	return $rc
}
containerd_start() {
	ctr_opts "$1" "$2"
	ctrc run -d "${CTR_O[@]}" "$IMG" "$2" sleep 1000 >/dev/null
}
containerd_exec() {
	local n="$1"
	shift
	ctrc task exec --exec-id "e$RANDOM" "$n" "$@"
}
containerd_stop() {
	ctrc task kill -s KILL "$1" && sleep 1 && ctrc task delete "$1" >/dev/null && ctrc container rm "$1"
}
containerd_gone() { ! ctrc container info "$1" >/dev/null 2>&1; }
containerd_teardown() {
	local c
	for c in $(ctrc task ls -q 2>/dev/null); do ctrc task delete -f "$c" >/dev/null 2>&1; done
	for c in $(ctrc container ls -q 2>/dev/null); do ctrc container rm "$c" >/dev/null 2>&1; done
}

# --- scenarios ------------------------------------------------------------------
# A limit is read from the container's own cgroup, found through
# /proc/self/cgroup: ctr gives no cgroup namespace, so /sys/fs/cgroup there is
# the host's root (with a namespace the path is "/").
CG_CAT='d="/sys/fs/cgroup$(sed -n "s/^0:://p" /proc/self/cgroup)"; for f; do cat "$d/$f"; done'

# s_NAME CLIENT RT: 0 pass, 3 not applicable to this client, else fail with
# the reason on stdout.

# Each scenario is one container's life (under TCG each costs seconds): the
# output and exit code of one `run --rm`; a missing binary; the memory and
# pids limits of one container; a detached container with exec and stop.
s_run_rm() { # output and exit code of run --rm
	local out rc=0
	out="$("$1"_run "$2" -- sh -c 'echo hello-vm13; exit 7' 2>&1)" || rc=$?
	[ $rc -eq 7 ] && [ "$out" = hello-vm13 ] || { echo "exit $rc (expected 7), output: $out"; return 1; }
}
s_missing_binary() { # the shells' "command not found": 127
	local rc=0 out
	out="$("$1"_run "$2" -- /no/such/binary 2>&1)" || rc=$?
	[ $rc -eq 127 ] || { echo "exit $rc, expected 127: $out"; return 1; }
}
s_limits() { # --memory 64m and --pids-limit 42 (ctr has no pids option)
	local out rc=0 want
	if declare -F "$1_limits" >/dev/null; then
		want=67108864
		out="$("$1"_limits "$2" 2>&1)" || rc=$?
	elif declare -F "$1_no_pids" >/dev/null; then
		want=67108864
		out="$("$1"_run "$2" --memory 64m -- sh -c "$CG_CAT" sh memory.max 2>&1)" || rc=$?
	else
		want="$(printf '67108864\n42')"
		out="$("$1"_run "$2" --memory 64m --pids 42 -- sh -c "$CG_CAT" sh memory.max pids.max 2>&1)" || rc=$?
	fi
	[ $rc -eq 0 ] && [ "$out" = "$want" ] || { echo "exit $rc, memory.max/pids.max: $out"; return 1; }
}
s_detach_exec_stop() {
	local n="vm13-$RANDOM" out
	"$1"_start "$2" "$n" >"$C_OUT" 2>&1 || { echo "start: $(tail -n3 "$C_OUT")"; "$1"_teardown; return 1; }
	out="$("$1"_exec "$n" sh -c 'cat /proc/1/comm; echo x >/tmp/f; cat /tmp/f' 2>&1)" ||
		{ echo "exec: $out"; "$1"_teardown; return 1; }
	[ "$out" = "$(printf 'sleep\nx')" ] || { echo "exec output: $out"; "$1"_teardown; return 1; }
	"$1"_stop "$n" >"$C_OUT" 2>&1 || { echo "stop/rm: $(tail -n3 "$C_OUT")"; "$1"_teardown; return 1; }
	"$1"_gone "$n" || { echo "$n still listed after stop/rm"; return 1; }
}
SCENARIOS=(run_rm missing_binary limits detach_exec_stop)

# --- the table ------------------------------------------------------------------

clients_row() { # CLIENT DRIVER SCENARIO: runs each runtime, one TAP line each
	local c="$1" d="$2" s="$3" rt res rc cells=() why
	for rt in "${RUNTIMES[@]}"; do
		local id="$c/$d/$s/$rt"
		if [ -n "${VM13_ONLY:-}" ] && ! [[ $id =~ $VM13_ONLY ]]; then
			cells+=(-)
			continue
		fi
		rc=0
		if declare -F "$c"_not_offered >/dev/null && "$c"_not_offered "$s"; then
			rc=3
		else
			why="$(s_"$s" "$c" "$rt" 2>&1)" || rc=$?
		fi
		case $rc in
		0) res=pass ;;
		3) res=n/a ;;
		*) res=FAIL ;;
		esac
		cells+=("$res")
		if [ $rc -eq 3 ]; then
			skip "$id" "not offered by $c"
		elif [ "$rt" = ocirun ] && [ "$d" = systemd ] && ! ocirun_has .linux.cgroup.systemd; then
			skip "$id" "systemd driver not built (result: $res)"
		elif [ $rc -eq 0 ]; then
			ok "$id"
		elif [ -n "${KNOWN_GAPS[$id]:-}" ]; then
			todo "$id" "known gap: ${KNOWN_GAPS[$id]}"
		elif [ "$rt" != ocirun ]; then
			# A control's failure is a fact about that runtime with this
			# client (the table shows it), not a failure of ocirun.
			todo "$id" "control runtime fails here too: ${why%%$'\n'*}"
		else
			fail "$id" "$why"
		fi
	done
	table_row "$c" "$d" "$s" "${cells[@]}"
}

wanted() { # CLIENT DRIVER: some row of theirs matches VM13_ONLY
	local s rt
	[ -n "${VM13_ONLY:-}" ] || return 0
	for s in "${SCENARIOS[@]}"; do
		for rt in "${RUNTIMES[@]}"; do [[ $1/$2/$s/$rt =~ $VM13_ONLY ]] && return 0; done
	done
	return 1
}

table_row client driver scenario "${RUNTIMES[@]}"
for c in "${CLIENTS[@]}"; do
	for d in "${DRIVERS[@]}"; do
		wanted "$c" "$d" || continue
		t0=$SECONDS
		if ! "$c"_setup "$d" >"$C_OUT" 2>&1; then
			fail "$c/$d: setup" "$(tail -n 10 "$C_OUT")"
			continue
		fi
		for s in "${SCENARIOS[@]}"; do clients_row "$c" "$d" "$s"; done
		"$c"_teardown
		diag "$c/$d: $((SECONDS - t0)) s"
	done
done
