#!/usr/bin/env bats
# podman 4.3 (+ conmon) with the runtime under test as --runtime. No daemon:
# every podman command gets private storage (--root, --runroot, --tmpdir,
# --network-config-dir, --volumepath in $CLIENT_TMP/podman). Rootful podman
# gives the runtime no --root, so its state is in the runtime's default root
# (/run/<name>); --runtime-flag root=... would reach create/start/exec but
# not the `delete` of conmon's exit command (`podman container cleanup`
# drops the runtime flags), so it cannot be used. Containers run
# with --network none (no bridge or CNI here), under the cgroup parent
# /$PODMAN_NS, with ulimits at 1024 (raising a hard rlimit needs
# CAP_SYS_RESOURCE, which the CI sandbox lacks).

load helpers
load clients

setup_file() {
	client_requires podman conmon unshare script || return 0
	client_setup_file podman
	local d="$CLIENT_TMP/podman"
	mkdir -p "$d/net"
	export PODMAN_DIR="$d" PODMAN_RTROOT
	# The runtime's default state root (podman passes no --root).
	case "$RUNTIME_NAME" in
	runc* | crun*) PODMAN_RTROOT="/run/${RUNTIME_NAME:0:4}" ;;
	*) PODMAN_RTROOT=/run/ocirun ;;
	esac
	export PODMAN_NS="ocit-podman-${BATS_ROOT_PID:-$$}"
	export PODMAN_IMAGE="localhost/ocit/busybox:latest"
	# podman import copies the image through containers/image, whose blob
	# info cache for root is always /var/lib/containers/cache: give the
	# import a private /var/lib so the host keeps none of it.
	local g
	g="$(pm_global_args)"
	# shellcheck disable=SC2086
	unshare -m --propagation private sh -c 'mount -t tmpfs ocit-podman-varlib /var/lib && exec "$@"' sh \
		podman $g import --change 'CMD ["sh"]' \
		"$CLIENT_TMP/busybox-rootfs.tar" "$PODMAN_IMAGE" >"$d/import.log" 2>&1 || {
		cat "$d/import.log" >&2
		return 1
	}
}

teardown_file() {
	[ -n "${PODMAN_DIR:-}" ] || return 0
	pm rm -af -t 0 >/dev/null 2>&1
	pm rmi -af >/dev/null 2>&1
	# Last resort for a container podman could not remove: the runtime
	# itself, in the shared default root, for the IDs the tests made.
	local cid
	for cid in $(sort -u "$PODMAN_DIR/cids" 2>/dev/null); do
		[ -e "$PODMAN_RTROOT/$cid" ] || continue
		echo "teardown: $cid left in $PODMAN_RTROOT" >&2
		"$RUNTIME" --root "$PODMAN_RTROOT" delete --force "$cid" >/dev/null 2>&1
	done
	# conmon and `podman container cleanup` (conmon's exit command) finish
	# on their own; what is still running after that is ours to kill.
	local i
	for ((i = 0; i < POLL_TRIES; i++)); do
		pgrep -f "$PODMAN_DIR" >/dev/null || break
		sleep "$POLL_INTERVAL"
	done
	kill_procs_under "$CLIENT_TMP"
	remove_cgroup_tree "$PODMAN_NS"
	# containers/storage keeps its overlay home as a private bind mount.
	umount "$PODMAN_DIR/root/overlay" 2>/dev/null
	client_teardown_file
}

setup() {
	client_setup
	PM_CIDS=()
}

# pm_track CID: a container of this test (checked in teardown; the file's
# teardown deletes it through the runtime if podman could not).
pm_track() {
	PM_CIDS+=("$1")
	echo "$1" >>"$PODMAN_DIR/cids"
}

# Every container a test made is gone with what the runtime held for it.
teardown() {
	[ -n "${PODMAN_DIR:-}" ] || return 0
	local cid bad=0
	# A test that configured podman with $TEST_TMP/containers.conf made its
	# containers under that configuration's runtime name.
	if [ -f "$TEST_TMP/containers.conf" ]; then
		CONTAINERS_CONF="$TEST_TMP/containers.conf" pm rm -af -t 0 >/dev/null 2>&1
	fi
	pm rm -af -t 0 >/dev/null 2>&1 || echo "teardown: podman rm -af failed" >&2
	for cid in "${PM_CIDS[@]}"; do
		assert_no_runtime_leftovers "$PODMAN_RTROOT" "$cid" || bad=1
	done
	teardown_common
	return "$bad"
}

# pm_global_args: podman's global options (one per line-free word).
pm_global_args() {
	# Never podman's defaults (/var/lib/containers, /run/containers...).
	[ -n "${PODMAN_DIR:-}" ] || {
		echo "pm_global_args: PODMAN_DIR is not set" >&2
		return 1
	}
	echo --root "$PODMAN_DIR/root" --runroot "$PODMAN_DIR/runroot" --tmpdir "$PODMAN_DIR/tmp" \
		--volumepath "$PODMAN_DIR/volumes" --network-config-dir "$PODMAN_DIR/net" \
		--runtime "$CLIENT_RT" \
		--cgroup-manager cgroupfs --events-backend file --storage-driver overlay
}

# pm ARGS...: podman with the private storage and the runtime under test.
pm() {
	local g
	g="$(pm_global_args)" || return 1
	# shellcheck disable=SC2086 # the paths have no blanks (mktemp names)
	podman $g "$@"
}

# The options every container needs here.
PM_RUN_OPTS=(--network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024)

# pm_capture CMD...: $status, $output, $lines of CMD (stdin /dev/null,
# output through a file, so a stray process cannot hold the test's pipe).
pm_capture() {
	status=0
	"$@" </dev/null >"$TEST_TMP/pm.out" 2>&1 || status=$?
	output="$(cat "$TEST_TMP/pm.out")"
	mapfile -t lines <<<"$output"
	[ -n "$output" ] || lines=()
	[ "$status" -eq 0 ] || echo "exit status $status; output: $output" >&2
}

# pm_run [PODMAN RUN OPTION...] -- COMMAND...: `podman run --rm` as $ID.
pm_run() {
	local opts=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	shift
	rm -f "$TEST_TMP/cid"
	pm_capture pm run --rm --name "$ID" --cidfile "$TEST_TMP/cid" --cgroup-parent "/$PODMAN_NS" \
		"${PM_RUN_OPTS[@]}" "${opts[@]}" "$PODMAN_IMAGE" "$@"
	[ ! -s "$TEST_TMP/cid" ] || pm_track "$(cat "$TEST_TMP/cid")"
}

# pm_start [PODMAN RUN OPTION...]: a detached container $ID (`sleep 1000`
# under a shell that exits 0 on SIGTERM, so `podman stop` needs no timeout).
pm_start() {
	pm run -d --name "$ID" --cgroup-parent "/$PODMAN_NS" "${PM_RUN_OPTS[@]}" "$@" "$PODMAN_IMAGE" \
		sh -c 'trap "exit 0" TERM; sleep 1000 & wait' </dev/null >"$TEST_TMP/start.out" 2>&1 || {
		cat "$TEST_TMP/start.out" >&2
		return 1
	}
	PM_CID="$(pm inspect -f '{{.Id}}' "$ID")"
	pm_track "$PM_CID"
	# The trap is set once the shell has started its child.
	local i
	for ((i = 0; i < POLL_TRIES; i++)); do
		[ "$(pm top "$ID" 2>/dev/null | wc -l)" -ge 3 ] && return 0
		sleep "$POLL_INTERVAL"
	done
	echo "container $ID did not start its sleep" >&2
	return 1
}

pm_state() {
	pm inspect -f '{{.State.Status}}' "$1"
}

pm_pid() {
	pm inspect -f '{{.State.Pid}}' "$1"
}

@test "podman: run --rm prints the output, exit status 0" {
	pm_run -- echo hello from "$RUNTIME_NAME"
	assert_eq "$status" 0 "exit status"
	assert_eq "$output" "hello from $RUNTIME_NAME" "output"
}

@test "podman: run --rm returns the non-zero exit status" {
	pm_run -- sh -c 'echo to-stderr >&2; exit 3'
	assert_eq "$status" 3 "exit status"
	assert_eq "$output" "to-stderr" "output"
}

@test "podman: run -d runs the container with the runtime under test" {
	pm_start
	assert_eq "$(pm_state "$ID")" running "state"
	[ -d "$PODMAN_RTROOT/$PM_CID" ]
	run -0 "$RUNTIME" --root "$PODMAN_RTROOT" state "$PM_CID"
	assert_eq "$(jq -r .status <<<"$output")" running "runtime state"
	local pid
	pid="$(jq -r .pid <<<"$output")"
	assert_eq "$(pm_pid "$ID")" "$pid" "podman's pid"
	[[ "$(cgroup_dir "$pid" pids)" == */"$PODMAN_NS"/*"$PM_CID"* ]]
	run -0 pm rm -f -t 0 "$ID"
	assert_no_runtime_leftovers "$PODMAN_RTROOT" "$PM_CID"
}

@test "podman: logs of a detached container, wait returns its exit status" {
	run -0 pm run -d --name "$ID" --cgroup-parent "/$PODMAN_NS" "${PM_RUN_OPTS[@]}" "$PODMAN_IMAGE" \
		sh -c 'echo out-line; echo err-line >&2; exit 9'
	pm_track "$output"
	run -0 pm wait "$ID"
	assert_eq "$output" 9 "podman wait"
	run -0 pm logs "$ID"
	assert_contains "$output" out-line
	assert_contains "$output" err-line
}

@test "podman: exec prints the output and returns the exit status" {
	pm_start
	pm_capture pm exec "$ID" sh -c 'echo in-exec; exit 5'
	assert_eq "$status" 5 "exec exit status"
	assert_eq "$output" in-exec
	pm_capture pm exec -e EXTRA=1 -w /tmp "$ID" sh -c 'echo "$EXTRA $PWD"'
	assert_eq "$status" 0 "exec exit status"
	assert_eq "$output" "1 /tmp"
	pm_capture pm exec --user 1000:1000 "$ID" id
	assert_eq "$status" 0 "exec --user exit status"
	assert_contains "$output" "uid=1000(user) gid=1000(user)"
	run -0 pm exec -d "$ID" sleep 999
	run -0 pm top "$ID"
	assert_contains "$output" "sleep 999"
}

@test "podman: exec -t" {
	pm_start
	local g
	g="$(pm_global_args)"
	# shellcheck disable=SC2086
	run_in_pty podman $g exec -t "$ID" sh -c '[ -t 0 ] && [ -t 1 ] && echo exec-tty; exit 6'
	assert_eq "$status" 6 "exit status"
	assert_eq "${lines[0]}" exec-tty
}

@test "podman: top lists the container's processes" {
	pm_start
	run -0 pm top "$ID"
	assert_contains "${lines[0]}" PID
	assert_contains "$output" "sleep 1000"
	assert_eq "${#lines[@]}" 3 "lines (header, sh, sleep)"
}

@test "podman: pause and unpause" {
	pm_start
	run -0 pm pause "$ID"
	assert_eq "$(pm_state "$ID")" paused "state"
	if cgroup_v1 freezer; then
		assert_eq "$(cat "$(cgroup_dir "$(pm_pid "$ID")" freezer)/freezer.state")" FROZEN "freezer.state"
	fi
	run -0 pm unpause "$ID"
	assert_eq "$(pm_state "$ID")" running "state"
	pm_capture pm exec "$ID" echo unpaused
	assert_eq "$status" 0
	assert_eq "$output" unpaused
}

@test "podman: stop (SIGTERM), start again, kill, rm" {
	pm_start
	run -0 pm stop "$ID"
	assert_eq "$(pm_state "$ID")" exited "state"
	assert_eq "$(pm inspect -f '{{.State.ExitCode}}' "$ID")" 0 "exit code after stop"
	run -0 pm start "$ID"
	assert_eq "$(pm_state "$ID")" running "state after start"
	run -0 pm kill "$ID"
	run -0 pm wait "$ID"
	assert_eq "$output" 137 "exit status after kill"
	run -0 pm rm "$ID"
	assert_no_runtime_leftovers "$PODMAN_RTROOT" "$PM_CID"
}

@test "podman: restart" {
	pm_start
	local pid1 pid2
	pid1="$(pm_pid "$ID")"
	run -0 pm restart "$ID"
	assert_eq "$(pm_state "$ID")" running "state"
	pid2="$(pm_pid "$ID")"
	[ "$pid1" != "$pid2" ]
}

@test "podman: run -t gives the process a terminal" {
	local g
	g="$(pm_global_args)"
	# shellcheck disable=SC2086
	run_in_pty podman $g run --rm -t --name "$ID" --cgroup-parent "/$PODMAN_NS" \
		"${PM_RUN_OPTS[@]}" "$PODMAN_IMAGE" sh -c 'tty; [ -t 0 ] && [ -t 1 ] && echo both-tty; exit 4'
	assert_eq "$status" 4 "exit status"
	assert_eq "${lines[0]}" /dev/pts/0 "tty"
	assert_eq "${lines[1]}" both-tty
}

@test "podman: --memory" {
	requires memory
	pm_start --memory 64m
	local dir
	dir="$(cgroup_dir "$(pm_pid "$ID")" memory)"
	if cgroup_v1 memory; then
		assert_eq "$(cat "$dir/memory.limit_in_bytes")" 67108864 "memory.limit_in_bytes"
	else
		assert_eq "$(cat "$dir/memory.max")" 67108864 "memory.max"
	fi
	run -0 pm rm -f -t 0 "$ID"
	[ ! -e "$dir" ]
}

@test "podman: update changes the limits of a running container" {
	requires memory cpu
	pm_start --memory 64m
	# (podman 4.3's update has no --pids-limit)
	run -0 pm update --memory 128m --cpu-shares 512 "$ID"
	local pid
	pid="$(pm_pid "$ID")"
	if cgroup_v1 memory; then
		assert_eq "$(cat "$(cgroup_dir "$pid" memory)/memory.limit_in_bytes")" 134217728 "memory.limit_in_bytes"
	else
		assert_eq "$(cat "$(cgroup_dir "$pid" memory)/memory.max")" 134217728 "memory.max"
	fi
	if cgroup_v1 cpu; then
		assert_eq "$(cat "$(cgroup_dir "$pid" cpu)/cpu.shares")" 512 "cpu.shares"
	fi
}

@test "podman: --pids-limit" {
	requires pids
	pm_start --pids-limit 10
	assert_eq "$(cat "$(cgroup_dir "$(pm_pid "$ID")" pids)/pids.max")" 10 "pids.max"
	pm_capture pm exec "$ID" sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do sleep 100 & done; wait'
	assert_contains "$output" "an't fork"
}

@test "podman: --cap-drop ALL" {
	pm_run --cap-drop ALL -- sh -c 'grep -E "^Cap(Prm|Eff|Bnd)" /proc/self/status; chown 1 /tmp'
	assert_eq "$status" 1 "exit status"
	assert_contains "$output" "CapPrm:	0000000000000000"
	assert_contains "$output" "CapEff:	0000000000000000"
	assert_contains "$output" "CapBnd:	0000000000000000"
	assert_contains "$output" "Operation not permitted"
}

@test "podman: --user" {
	pm_run --user 1000:1000 -- id
	assert_eq "$status" 0 "exit status"
	assert_eq "$output" "uid=1000(user) gid=1000(user) groups=1000(user)"
	pm_run --user nobody -- id -u
	assert_eq "$output" 65534
}

@test "podman: --read-only (with podman's tmpfs on /run, /tmp, /var/tmp)" {
	# podman mounts those tmpfs with the runc extension option "tmpcopyup".
	pm_run --read-only -- sh -c 'touch /newfile'
	assert_eq "$status" 1 "exit status"
	assert_contains "$output" "Read-only file system"
	pm_run --read-only -- sh -c 'touch /tmp/x /run/x /var/tmp/x && echo tmpfs-rw'
	assert_eq "$status" 0 "exit status"
	assert_eq "$output" tmpfs-rw
}

@test "podman: --read-only --read-only-tmpfs=false" {
	pm_run --read-only --read-only-tmpfs=false -- sh -c 'touch /newfile'
	assert_eq "$status" 1 "exit status"
	assert_contains "$output" "Read-only file system"
	pm_run --read-only --read-only-tmpfs=false -- sh -c 'touch /tmp/x'
	assert_eq "$status" 1 "exit status"
	assert_contains "$output" "Read-only file system"
}

@test "podman: --tmpfs copies the image's directory into the tmpfs (tmpcopyup)" {
	pm_run --tmpfs /etc -- sh -c 'grep " /etc " /proc/mounts; grep ^user: /etc/passwd'
	assert_eq "$status" 0 "exit status"
	assert_contains "${lines[0]}" "tmpfs /etc tmpfs"
	assert_eq "${lines[1]}" "user:x:1000:1000:user:/home/user:/bin/sh"
}

@test "podman: -v bind mounts, read-only and read-write" {
	mkdir -p "$TEST_TMP/hostdir"
	echo host-data >"$TEST_TMP/hostdir/file"
	pm_run -v "$TEST_TMP/hostdir:/mnt/host:ro" -- sh -c 'exec 2>&1; cat /mnt/host/file; touch /mnt/host/new'
	assert_eq "$status" 1 "exit status"
	assert_eq "${lines[0]}" host-data
	assert_contains "${lines[1]}" "Read-only file system"
	[ ! -e "$TEST_TMP/hostdir/new" ]
	pm_run -v "$TEST_TMP/hostdir:/mnt/host" -- sh -c 'echo from-container >/mnt/host/new'
	assert_eq "$status" 0 "exit status"
	assert_eq "$(cat "$TEST_TMP/hostdir/new")" from-container
}

@test "podman: --uidmap with a :idmap volume (an idmapped bind), files of root stay root's" {
	runc_gap "idmapped mounts came in runc 1.2"
	mkdir -p "$TEST_TMP/idvol"
	touch "$TEST_TMP/idvol/root-owned"
	pm_run --uidmap 0:200000:65536 --gidmap 0:200000:65536 -v "$TEST_TMP/idvol:/v:idmap" -- \
		sh -c 'cat /proc/self/uid_map; stat -c "%u %g" /v/root-owned; touch /v/made && echo made'
	assert_eq "$status" 0 "exit status"
	assert_contains "$output" "0     200000      65536"
	assert_contains "$output" "0 0"
	assert_contains "$output" made
	# written as container root through the mapping: stored as 0, not 200000
	assert_eq "$(stat -c '%u %g' "$TEST_TMP/idvol/made")" "0 0"
}

@test "podman: --env, --workdir and --ulimit" {
	pm_run --env FOO=bar --env 'SPACED=a b' --workdir /tmp -- \
		sh -c 'echo "$FOO|$SPACED|$PWD|$(ulimit -n)|$(ulimit -u)"'
	assert_eq "$status" 0 "exit status"
	assert_eq "$output" "bar|a b|/tmp|1024|1024"
}

@test "podman: stats --no-stream" {
	requires memory
	pm_start --memory 64m
	run -0 pm stats --no-stream --format '{{.Name}} {{.MemUsage}} {{.PIDs}}' "$ID"
	assert_contains "$output" "$ID "
	assert_contains "$output" "/ 67.11MB"
	[[ "$output" =~ \ 2$ ]]
}

@test "podman: a missing command is exit status 127, as with runc" {
	pm_run -- /does/not/exist
	assert_eq "$status" 127 "exit status"
	assert_contains "$output" "/does/not/exist"
}

@test "podman: a command not in PATH is exit status 127, as with runc" {
	pm_run -- no-such-command
	assert_eq "$status" 127 "exit status"
	assert_contains "$output" "no-such-command"
}

@test "podman: a command that is not executable is exit status 126, as with runc" {
	pm_run -- /etc/passwd
	assert_eq "$status" 126 "exit status"
	assert_contains "$output" "/etc/passwd"
}

@test "podman: containers.conf [engine.runtimes] and runtime = NAME select the runtime" {
	cat >"$TEST_TMP/containers.conf" <<-EOF
		[containers]
		default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
		netns = "none"

		[engine]
		runtime = "under-test"
		cgroup_manager = "cgroupfs"
		events_logger = "file"

		# podman then passes --log-format=json --log FILE to the runtime
		# and reads its errors from FILE.
		runtime_supports_json = ["under-test"]

		[engine.runtimes]
		under-test = ["$CLIENT_RT"]
	EOF
	# Without --runtime, --cgroup-manager, --network or --ulimit.
	local args=(--root "$PODMAN_DIR/root" --runroot "$PODMAN_DIR/runroot" --tmpdir "$PODMAN_DIR/tmp"
		--volumepath "$PODMAN_DIR/volumes" --network-config-dir "$PODMAN_DIR/net"
		--storage-driver overlay)
	CONTAINERS_CONF="$TEST_TMP/containers.conf" run -0 podman "${args[@]}" info --format '{{.Host.OCIRuntime.Name}} {{.Host.OCIRuntime.Path}}'
	assert_eq "$output" "under-test $CLIENT_RT"
	CONTAINERS_CONF="$TEST_TMP/containers.conf" run -0 podman "${args[@]}" run -d --name "$ID" \
		--cgroup-parent "/$PODMAN_NS" "$PODMAN_IMAGE" sleep 1000
	pm_track "$output"
	[ -d "$PODMAN_RTROOT/$output" ]
	run -0 "$RUNTIME" --root "$PODMAN_RTROOT" state "${PM_CIDS[0]}"
	CONTAINERS_CONF="$TEST_TMP/containers.conf" run -0 podman "${args[@]}" rm -f -t 0 "$ID"
	# An error of the runtime, through its JSON log.
	rm -f "$TEST_TMP/cid"
	CONTAINERS_CONF="$TEST_TMP/containers.conf" pm_capture podman "${args[@]}" run --rm \
		--cidfile "$TEST_TMP/cid" --cgroup-parent "/$PODMAN_NS" "$PODMAN_IMAGE" /does/not/exist
	[ ! -s "$TEST_TMP/cid" ] || pm_track "$(cat "$TEST_TMP/cid")"
	assert_eq "$status" 127 "exit status"
	assert_contains "$output" '"/does/not/exist"'
}

@test "podman: nothing left after the container is removed" {
	pm_start
	local cid="$PM_CID" pid merged conmon
	pid="$(pm_pid "$ID")"
	merged="$(pm inspect -f '{{.GraphDriver.Data.MergedDir}}' "$ID")"
	conmon="$(pm inspect -f '{{.State.ConmonPid}}' "$ID")"
	grep -q " $merged " /proc/self/mountinfo
	pm exec -d "$ID" sleep 999
	run -0 pm rm -f -t 0 "$ID"
	assert_no_runtime_leftovers "$PODMAN_RTROOT" "$cid"
	wait_for_exit "$pid"
	wait_for_exit "$conmon"
	run ! grep -q " $merged " /proc/self/mountinfo
}
