# tests/vm13/checks/systemd-driver.sh: issue 14 scenario 1, the systemd cgroup
# driver driven directly (--systemd-cgroup), with runc from the guest as the
# control: every check runs once per runtime, ocirun's and runc's results side
# by side in the table. Sourced by guest/main with tap.sh's helpers.

SD_RUNTIMES=(runc ocirun)
declare -A SD_BIN=([runc]=/usr/sbin/runc [ocirun]=/usr/local/bin/ocirun)
SD_OUT="$(mktemp)"

# A busybox bundle: $1 dir, $2 "rootless" for a rootless config.
sd_bundle() {
	local d="$1"
	rm -rf "$d"
	mkdir -p "$d/rootfs/bin" "$d/rootfs/proc" "$d/rootfs/sys" "$d/rootfs/dev" "$d/rootfs/tmp"
	cp /bin/busybox "$d/rootfs/bin/busybox"
	for c in sh sleep cat ls echo true; do ln -s busybox "$d/rootfs/bin/$c"; done
	(cd "$d" && ocirun spec ${2:+--rootless}) || return 1
	# a cgroup namespace, so /sys/fs/cgroup inside is the container's own cgroup
	jq '.process.args = ["sleep", "1000"] | .process.terminal = false
		| .linux.namespaces += [{type: "cgroup"}]' "$d/config.json" >"$d/c" &&
		mv "$d/c" "$d/config.json"
	chmod -R a+rX "$d"
}

# sd_cfg DIR JQ: edit the bundle's config.json.
sd_cfg() { jq "$2" "$1/config.json" >"$1/c" && mv "$1/c" "$1/config.json"; }

# One result: sd_res RT DESC CMD... runs CMD, prints TAP and records the cell.
declare -A SD_CELL SD_SLICE_RC
SD_KEYS=()
sd_res() {
	local rt="$1" desc="$2"
	shift 2
	[ -n "${SD_CELL["$desc/runc"]:-}${SD_CELL["$desc/ocirun"]:-}" ] || SD_KEYS+=("$desc")
	if "$@" >"$SD_OUT" 2>&1; then
		ok "systemd driver/$rt: $desc"
		SD_CELL["$desc/$rt"]=pass
	else
		fail "systemd driver/$rt: $desc" "$(tail -n 8 "$SD_OUT")"
		SD_CELL["$desc/$rt"]=FAIL
	fi
}

sd_eq() { # sd_eq WANT CMD...: CMD's output (trimmed) is WANT
	local want="$1" got
	shift
	got="$("$@" 2>&1 | tr -d '\r' | sed 's/[[:space:]]*$//')"
	[ "$got" = "$want" ] || {
		echo "expected \"$want\", got \"$got\" from: $*"
		return 1
	}
}

sd_no_unit() { # nothing of unit $1 in systemctl list-units --all nor its cgroup dir $2
	local u
	u="$(systemctl list-units --all --no-legend "$1" 2>&1)"
	[ -z "$u" ] || {
		echo "unit still listed: $u"
		return 1
	}
	[ -z "${2:-}" ] || [ ! -e "$2" ] || {
		echo "cgroup dir still there: $2"
		return 1
	}
}

sd_wait_stopped() { # $1 runtime binary, $2 id
	for _ in $(seq 50); do
		[ "$("$1" state "$2" 2>/dev/null | jq -r .status)" = stopped ] && return 0
		sleep 0.2
	done
	"$1" state "$2"
	return 1
}

sd_ps_in_scope() { # $1 binary, $2 id: every pid of `ps` is in the scope $3 (seen from outside), $4 or more
	local pids n=0
	pids="$("$1" ps --format json "$2" | jq -r '.[]')" || return 1
	for p in $pids; do
		grep -q "/$3\$" "/proc/$p/cgroup" || {
			echo "pid $p: $(cat "/proc/$p/cgroup")"
			return 1
		}
		n=$((n + 1))
	done
	[ "$n" -ge "$4" ] || {
		echo "ps listed $n pids, want >= $4: $pids"
		return 1
	}
}

sd_main_scenario() {
	local rt="$1" bin="${SD_BIN[$1]}" d="/tmp/sd-$1" id="sd-$1" unit="sdtest-$1-1.scope"
	local cg="/sys/fs/cgroup/system.slice/sdtest-$1-1.scope"
	sd_bundle "$d"
	sd_cfg "$d" '.linux.cgroupsPath = "system.slice:sdtest:'"$rt"'-1"
		| .linux.resources = {memory: {limit: 67108864}, pids: {limit: 50},
		   cpu: {quota: 50000, period: 100000, shares: 1024}}
		| .annotations = {"org.systemd.property.TimeoutStopSec": "uint64 7"}'
	sd_res "$rt" "create+start" bash -c "$bin --systemd-cgroup create -b $d $id && $bin start $id"
	sd_res "$rt" "scope active" sd_eq active systemctl is-active "$unit"
	sd_res "$rt" "memory.max inside" sd_eq 67108864 "$bin" exec "$id" cat /sys/fs/cgroup/memory.max
	sd_res "$rt" "pids.max inside" sd_eq 50 "$bin" exec "$id" cat /sys/fs/cgroup/pids.max
	sd_res "$rt" "cpu.max inside" sd_eq "50000 100000" "$bin" exec "$id" cat /sys/fs/cgroup/cpu.max
	sd_res "$rt" "show MemoryMax" sd_eq 67108864 systemctl show -P MemoryMax "$unit"
	sd_res "$rt" "show TasksMax" sd_eq 50 systemctl show -P TasksMax "$unit"
	sd_res "$rt" "show CPUQuotaPerSecUSec" sd_eq 500ms systemctl show -P CPUQuotaPerSecUSec "$unit"
	sd_res "$rt" "show Delegate" sd_eq yes systemctl show -P Delegate "$unit"
	sd_res "$rt" "annotation TimeoutStopSec" sd_eq 7s systemctl show -P TimeoutStopUSec "$unit"
	sd_res "$rt" "show DevicePolicy strict" sd_eq strict systemctl show -P DevicePolicy "$unit"
	# runc 1.1.15's defaults lack ocirun's "c 136:* rwm" (char-136): the entries both send
	sd_res "$rt" "show DeviceAllow: /dev/char/1:3 rwm, char-* m" bash -c "
		systemctl show -P DeviceAllow $unit | tee /dev/stderr | grep -q '/dev/char/1:3 rwm' &&
		systemctl show -P DeviceAllow $unit | grep -q 'char-\* m'"
	sd_res "$rt" "/dev/null usable under DevicePolicy" "$bin" exec "$id" sh -c 'echo x >/dev/null'
	sd_res "$rt" "exec -d joins the scope" bash -c "$bin exec -d $id sleep 500 && sd_ps_in_scope $bin $id $unit 2"
	sd_res "$rt" "update memory+pids" bash -c "$bin update --memory 134217728 --pids-limit 60 $id"
	sd_res "$rt" "updated: show MemoryMax" sd_eq 134217728 systemctl show -P MemoryMax "$unit"
	sd_res "$rt" "updated: show TasksMax" sd_eq 60 systemctl show -P TasksMax "$unit"
	sd_res "$rt" "updated: memory.max inside" sd_eq 134217728 "$bin" exec "$id" cat /sys/fs/cgroup/memory.max
	sd_res "$rt" "pause: frozen" bash -c "$bin pause $id && grep -qx 'frozen 1' $cg/cgroup.events &&
		test \"\$($bin state $id | jq -r .status)\" = paused"
	sd_res "$rt" "resume: thawed" bash -c "$bin resume $id && grep -qx 'frozen 0' $cg/cgroup.events &&
		test \"\$($bin state $id | jq -r .status)\" = running"
	sd_res "$rt" "events --stats" bash -c "$bin events --stats $id | jq -e '.data.pids.current >= 2 and
		.data.memory.usage.limit == 134217728'"
	sd_res "$rt" "kill --all" bash -c "$bin kill --all $id KILL && sd_wait_stopped $bin $id &&
		test -z \"\$(cat $cg/cgroup.procs)\""
	sd_res "$rt" "delete leaves no unit" bash -c "$bin delete $id && sd_no_unit $unit $cg"
}

sd_more_scenarios() {
	local rt="$1" bin="${SD_BIN[$1]}" d="/tmp/sd-$1"
	local nested="/sys/fs/cgroup/sdtst.slice/sdtst-pod1.slice/sdtest-$1-2.scope"
	sd_bundle "$d"
	sd_cfg "$d" '.linux.cgroupsPath = "sdtst-pod1.slice:sdtest:'"$rt"'-2"'
	sd_res "$rt" "nested slice path" bash -c "$bin --systemd-cgroup run -d -b $d sd2-$rt &&
		test -n \"\$(cat $nested/cgroup.procs)\" && $bin delete -f sd2-$rt && sd_no_unit sdtest-$rt-2.scope $nested"
	sd_cfg "$d" 'del(.linux.cgroupsPath)'
	sd_res "$rt" "no cgroupsPath: <runtime>-<id>.scope" bash -c "$bin --systemd-cgroup run -d -b $d sd3-$rt &&
		systemctl is-active $rt-sd3-$rt.scope && $bin delete -f sd3-$rt && sd_no_unit $rt-sd3-$rt.scope"
	sd_cfg "$d" '.linux.cgroupsPath = "bogus"'
	sd_res "$rt" "bad cgroupsPath refused, nothing left" bash -c "! $bin --systemd-cgroup run -d -b $d sd4-$rt &&
		! $bin state sd4-$rt"
	sd_cfg "$d" '.linux.cgroupsPath = "system.slice:sdtest:'"$rt"'-5" | .linux.resources = {cpu: {cpus: "7"}}'
	sd_res "$rt" "bad cpuset: fails, no unit, no state" bash -c "! $bin --systemd-cgroup run -d -b $d sd5-$rt &&
		sd_no_unit sdtest-$rt-5.scope /sys/fs/cgroup/system.slice/sdtest-$rt-5.scope && ! $bin state sd5-$rt"
	# A slice as the unit part: what runc does is recorded, ocirun must end the same way.
	sd_cfg "$d" '.linux.cgroupsPath = "system.slice:sdtest:sdtst-'"$rt"'8.slice"'
	local rc=0
	$bin --systemd-cgroup run -d -b "$d" "sd8-$rt" >"$SD_OUT" 2>&1 || rc=$?
	diag "systemd driver/$rt: a .slice as the unit: exit $rc: $(head -c 300 "$SD_OUT")"
	diag "systemd driver/$rt: units: $(systemctl list-units --all --no-legend 'sdtst-*' | tr -s ' ' | head -c 300)"
	SD_SLICE_RC[$rt]=$rc
	$bin delete -f "sd8-$rt" >/dev/null 2>&1
	systemctl stop "sdtst-${rt}8.slice" >/dev/null 2>&1
	sd_res "$rt" ".slice as the unit: ends as runc's (exit 0 or not)" test "$((rc != 0))" = "$((${SD_SLICE_RC[runc]:-$rc} != 0))"
	sd_cfg "$d" '.linux.cgroupsPath = "system.slice:sdtest:'"$rt"'-6" | .linux.resources = {memory: {limit: 33554432}}
		| .process.args = ["cat", "/sys/fs/cgroup/memory.max"]'
	sd_res "$rt" "run -> memory.max 33554432, then no unit" bash -c "
		test \"\$($bin --systemd-cgroup run -b $d sd6-$rt)\" = 33554432 &&
		sd_no_unit sdtest-$rt-6.scope /sys/fs/cgroup/system.slice/sdtest-$rt-6.scope"
}

# Two containers with one unit name: the second fails (UnitExists) and its
# failure, and a delete --force of it, leave the first one's scope running.
sd_same_unit() {
	local rt="$1" bin="${SD_BIN[$1]}" d="/tmp/sd-$1" unit="sdtest-$1-7.scope"
	sd_bundle "$d"
	sd_cfg "$d" '.linux.cgroupsPath = "system.slice:sdtest:'"$rt"'-7"'
	sd_res "$rt" "same unit name: second refused, first untouched" bash -c "
		$bin --systemd-cgroup run -d -b $d sd7a-$rt && ! $bin --systemd-cgroup run -d -b $d sd7b-$rt &&
		$bin delete -f sd7b-$rt; systemctl is-active $unit &&
		test \"\$($bin state sd7a-$rt | jq -r .status)\" = running &&
		$bin delete -f sd7a-$rt && sd_no_unit $unit"
}

# Rootless through the user's manager: tester (uid 1000) lingers.
sd_rootless() {
	local rt="$1" bin="${SD_BIN[$1]}" d="/tmp/sdr-$1" uid=1000
	local mgr="/sys/fs/cgroup/user.slice/user-$uid.slice/user@$uid.service"
	local cg="$mgr/user.slice/sdtest-$rt-r.scope"
	# The runtime must itself run in a cgroup of the user's manager: the
	# manager (and the kernel for exec) may move a process only between
	# cgroups the user owns, and runuser from this service leaves us in a
	# root-owned one. A login session or podman do the same thing.
	local as=(runuser -u tester -- env XDG_RUNTIME_DIR=/run/user/$uid
		DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/$uid/bus systemd-run --user --scope --quiet)
	sd_bundle "$d" rootless
	sd_cfg "$d" '.linux.uidMappings = [{containerID: 0, hostID: '$uid', size: 1}]
		| .linux.gidMappings = [{containerID: 0, hostID: '$uid', size: 1}]
		| .linux.cgroupsPath = "user.slice:sdtest:'"$rt"'-r" | .process.args = ["sleep", "1000"]
		| .linux.resources = {memory: {limit: 67108864}, pids: {limit: 40}}'
	sd_res "$rt" "rootless: run -d" "${as[@]}" "$bin" --systemd-cgroup --root "/run/user/$uid/sd-$rt" run -d -b "$d" sdr
	sd_res "$rt" "rootless: scope in the user's manager" test -n "$(cat "$cg/cgroup.procs" 2>/dev/null)"
	sd_res "$rt" "rootless: memory.max inside" sd_eq 67108864 "${as[@]}" "$bin" --root "/run/user/$uid/sd-$rt" \
		exec sdr cat /sys/fs/cgroup/memory.max
	sd_res "$rt" "rootless: show TasksMax" sd_eq 40 "${as[@]}" systemctl --user show -P TasksMax "sdtest-$rt-r.scope"
	sd_res "$rt" "rootless: delete -f leaves no unit" bash -c "${as[*]} $bin --root /run/user/$uid/sd-$rt delete -f sdr &&
		test ! -e $cg && test -z \"\$(${as[*]} systemctl --user list-units --all --no-legend sdtest-$rt-r.scope)\""
}

export -f sd_eq sd_no_unit sd_wait_stopped sd_ps_in_scope
check "ocirun features: systemd and systemdUser" sh -c \
	'ocirun features | jq -e ".linux.cgroup.systemd == true and .linux.cgroup.systemdUser == true"'
for rt in "${SD_RUNTIMES[@]}"; do
	sd_main_scenario "$rt"
	sd_more_scenarios "$rt"
	sd_same_unit "$rt"
	sd_rootless "$rt"
done
diag "systemd driver: results, runc | ocirun"
for k in "${SD_KEYS[@]}"; do
	table_row "systemd-driver" "$k" "${SD_CELL["$k/runc"]:-}" "${SD_CELL["$k/ocirun"]:-}"
done
