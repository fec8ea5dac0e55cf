#!/usr/bin/env bats
# Docker (dockerd 20.10 + the containerd it starts + containerd-shim-runc-v2)
# with the runtime under test registered in daemon.json's "runtimes", made
# the default runtime and also named with `docker run --runtime`. One private dockerd per file: its own
# data-root, exec-root, pidfile and socket in $CLIENT_TMP/docker, no bridge,
# no iptables; it starts its own containerd under the exec-root (so nothing
# is shared with containerd.bats or a system containerd).

load helpers
load clients

setup_file() {
	client_requires dockerd docker containerd containerd-shim-runc-v2 script || return 0
	client_setup_file docker
	local d="$CLIENT_TMP/docker"
	mkdir -p "$d/config"
	export DOCKER_DIR="$d" DOCKER_SOCK="$d/docker.sock"
	# The client of the same release as the daemon, when installed.
	DOCKER_CLI="$(command -v /usr/bin/docker || command -v docker)"
	# No ~/.docker: the CLI's config lives with the rest.
	export DOCKER_CLI DOCKER_CONFIG="$d/config"
	export DOCKER_NS="ocit-docker-${BATS_ROOT_PID:-$$}"
	# "runc" is reserved in "runtimes": register runc by another name.
	DOCKER_RT_NAME="$RUNTIME_NAME"
	[ "$DOCKER_RT_NAME" != runc ] || DOCKER_RT_NAME=runc-under-test
	export DOCKER_RT_NAME
	export DOCKER_IMAGE="ocit/busybox:latest"
	# Without CAP_SYS_RESOURCE (missing in the CI sandbox) a hard rlimit
	# cannot be raised above ours: the defaults are 1024.
	jq -n --arg d "$d" --arg rt "$DOCKER_RT_NAME" --arg path "$CLIENT_RT" --arg ns "$DOCKER_NS" '{
		"data-root": "\($d)/data",
		"exec-root": "\($d)/exec",
		"pidfile": "\($d)/docker.pid",
		"hosts": ["unix://\($d)/docker.sock"],
		"bridge": "none",
		"iptables": false,
		"ip6tables": false,
		"ip-masq": false,
		"userland-proxy": false,
		"storage-driver": "overlay2",
		"cgroup-parent": "/\($ns)",
		"containerd-namespace": $ns,
		"containerd-plugins-namespace": "\($ns)-plugins",
		"default-ulimits": {
			"nofile": {"Name": "nofile", "Hard": 1024, "Soft": 1024},
			"nproc": {"Name": "nproc", "Hard": 1024, "Soft": 1024}
		},
		"runtimes": {($rt): {"path": $path}},
		"default-runtime": $rt
	}' >"$d/daemon.json"
	start_daemon dockerd "$d/dockerd.log" dockerd --config-file "$d/daemon.json"
	wait_for_daemon dockerd "$DOCKER_SOCK" "$d/dockerd.log" || {
		[ $? -eq 2 ] && return 0
		return 1
	}
	local i
	for ((i = 0; i < POLL_TRIES; i++)); do
		dk version >/dev/null 2>&1 && break
		sleep "$POLL_INTERVAL"
	done
	dk version >"$d/version.txt" 2>&1 || {
		cat "$d/version.txt" >&2
		tail -n 30 "$d/dockerd.log" >&2
		return 1
	}
	dk import -c 'CMD ["sh"]' "$CLIENT_TMP/busybox-rootfs.tar" "$DOCKER_IMAGE" >"$d/import.log" 2>&1 || {
		cat "$d/import.log" >&2
		return 1
	}
}

teardown_file() {
	[ -n "${CLIENT_TMP:-}" ] || return 0
	if [ -S "${DOCKER_SOCK:-}" ]; then
		dk_remove_all
		dk rmi -f "$DOCKER_IMAGE" >/dev/null 2>&1
	fi
	# dockerd stops the containerd it started (and unmounts its data-root).
	local cpid
	cpid="$(cat "$DOCKER_DIR/exec/containerd/containerd.pid" 2>/dev/null)"
	stop_daemon dockerd
	if [ -n "$cpid" ] && kill -0 "$cpid" 2>/dev/null &&
		grep -q "$DOCKER_DIR" "/proc/$cpid/cmdline" 2>/dev/null; then
		kill -TERM "$cpid"
		wait_for_exit "$cpid" || kill -KILL "$cpid"
	fi
	runtime_delete_all "$(dk_runtime_root)"
	kill_procs_under "$CLIENT_TMP"
	remove_cgroup_tree "$DOCKER_NS"
	client_teardown_file
}

setup() {
	client_setup
	DK_CIDS=()
	DK_LOG_MARK="$(wc -l <"$DOCKER_DIR/dockerd.log")"
}

# Every container a test made is gone with what the runtime held for it.
teardown() {
	[ -n "${DOCKER_DIR:-}" ] || return 0
	local cid bad=0
	dk_remove_all
	for cid in "${DK_CIDS[@]}"; do
		assert_no_runtime_leftovers "$(dk_runtime_root)" "$cid" || bad=1
	done
	teardown_common
	return "$bad"
}

# dk ARGS...: the docker CLI on our daemon.
dk() {
	[ -n "${DOCKER_SOCK:-}" ] || return 1
	"$DOCKER_CLI" -H "unix://$DOCKER_SOCK" "$@"
}

# dk_capture CMD...: $status, $output, $lines of CMD (stdin /dev/null,
# output through a file, so a stray process cannot hold the test's pipe).
dk_capture() {
	status=0
	"$@" </dev/null >"$TEST_TMP/dk.out" 2>&1 || status=$?
	output="$(cat "$TEST_TMP/dk.out")"
	mapfile -t lines <<<"$output"
	[ -n "$output" ] || lines=()
	if [ "$status" -ne 0 ]; then
		echo "exit status $status; output: $output" >&2
		echo "--- dockerd log since the test began:" >&2
		tail -n +"$((DK_LOG_MARK + 1))" "$DOCKER_DIR/dockerd.log" | grep -E 'level=(error|warning)' | tail -n 10 >&2
	fi
}

# dk_run [DOCKER RUN OPTION...] -- COMMAND...: `docker run --rm` with the
# runtime under test, named $ID.
dk_run() {
	local opts=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	shift
	rm -f "$TEST_TMP/cid"
	dk_capture dk run --rm --runtime "$DOCKER_RT_NAME" --name "$ID" --cidfile "$TEST_TMP/cid" \
		"${opts[@]}" "$DOCKER_IMAGE" "$@"
	[ ! -s "$TEST_TMP/cid" ] || DK_CIDS+=("$(cat "$TEST_TMP/cid")")
}

# dk_start [DOCKER RUN OPTION...]: a detached container $ID (`sleep 1000`
# under a shell that exits 0 on SIGTERM, so `docker stop` needs no timeout).
dk_start() {
	dk run -d --runtime "$DOCKER_RT_NAME" --name "$ID" "$@" "$DOCKER_IMAGE" \
		sh -c 'trap "exit 0" TERM; sleep 1000 & wait' </dev/null >"$TEST_TMP/start.out" 2>&1 || {
		cat "$TEST_TMP/start.out" >&2
		return 1
	}
	DK_CID="$(dk inspect -f '{{.Id}}' "$ID")"
	DK_CIDS+=("$DK_CID")
	# The trap is set once the shell has started its child.
	local i
	for ((i = 0; i < POLL_TRIES; i++)); do
		[ "$(dk top "$ID" 2>/dev/null | wc -l)" -ge 3 ] && return 0
		sleep "$POLL_INTERVAL"
	done
	echo "container $ID did not start its sleep" >&2
	return 1
}

# dk_state NAME: running, paused, exited...
dk_state() {
	dk inspect -f '{{.State.Status}}' "$1"
}

# dk_runtime_root: the --root dockerd's shim gives the runtime (20.10:
# <exec-root>/runtime-<default runtime>/<containerd namespace>).
dk_runtime_root() {
	local r
	for r in "$DOCKER_DIR"/exec/runtime-*/"$DOCKER_NS"; do
		[ -d "$r" ] && echo "$r" && return 0
	done
	echo "$DOCKER_DIR/exec/runtime-runc/$DOCKER_NS"
}

dk_remove_all() {
	local ids
	ids="$(dk ps -aq 2>/dev/null)"
	[ -z "$ids" ] && return 0
	# shellcheck disable=SC2086
	dk rm -f $ids >/dev/null 2>&1 || echo "teardown: docker rm -f failed" >&2
}

# dk_assert_clean CID: docker holds no container CID; no state dir, cgroup
# or mount is left for it.
dk_assert_clean() {
	local cid="$1"
	[ -n "$cid" ] || return 0
	run -0 dk ps -aq --no-trunc
	assert_not_contains "$output" "$cid"
	assert_no_runtime_leftovers "$(dk_runtime_root)" "$cid"
}

@test "docker: run --rm prints the output, exit status 0" {
	dk_run -- echo hello from "$RUNTIME_NAME"
	assert_eq "$status" 0 "exit status"
	assert_eq "$output" "hello from $RUNTIME_NAME" "output"
}

@test "docker: run --rm returns the non-zero exit status" {
	dk_run -- sh -c 'echo to-stderr >&2; exit 3'
	assert_eq "$status" 3 "exit status"
	assert_eq "$output" "to-stderr" "output"
}

@test "docker: run -d runs the container with the runtime under test" {
	dk_start
	assert_eq "$(dk_state "$ID")" running "state"
	# The runtime has the container in the root the shim gave it.
	local root pid
	root="$(dk_runtime_root)"
	[ -d "$root/$DK_CID" ]
	run -0 "$RUNTIME" --root "$root" state "$DK_CID"
	assert_eq "$(jq -r .status <<<"$output")" running "runtime state"
	pid="$(jq -r .pid <<<"$output")"
	assert_eq "$(dk inspect -f '{{.State.Pid}}' "$ID")" "$pid" "docker's pid"
	# Its cgroup is the one dockerd asked for.
	[[ "$(cgroup_dir "$pid" pids)" == */"$DOCKER_NS/$DK_CID" ]]
	run -0 dk rm -f "$ID"
	dk_assert_clean "$DK_CID"
}

@test "docker: the runtime is listed, and is the default runtime" {
	run -0 dk info --format '{{.DefaultRuntime}}|{{json .Runtimes}}'
	assert_eq "${output%%|*}" "$DOCKER_RT_NAME" "default runtime"
	assert_eq "$(jq -r --arg n "$DOCKER_RT_NAME" '.[$n].path' <<<"${output#*|}")" "$CLIENT_RT" "its path"
	# Without --runtime.
	run -0 dk run -d --name "$ID" "$DOCKER_IMAGE" sleep 1000
	DK_CIDS+=("$output")
	run -0 "$RUNTIME" --root "$(dk_runtime_root)" state "${DK_CIDS[0]}"
	assert_eq "$(jq -r .status <<<"$output")" running "runtime state"
}

@test "docker: logs of a detached container, wait returns its exit status" {
	run -0 dk run -d --runtime "$DOCKER_RT_NAME" --name "$ID" "$DOCKER_IMAGE" sh -c 'echo out-line; echo err-line >&2; exit 9'
	local cid="$output"
	DK_CIDS+=("$cid")
	run -0 dk wait "$ID"
	assert_eq "$output" 9 "docker wait"
	run -0 dk logs "$ID"
	assert_contains "$output" out-line
	assert_contains "$output" err-line
	run -0 dk rm "$ID"
	dk_assert_clean "$cid"
}

@test "docker: exec prints the output and returns the exit status" {
	dk_start
	dk_capture dk exec "$ID" sh -c 'echo in-exec; exit 5'
	assert_eq "$status" 5 "exec exit status"
	assert_eq "$output" in-exec
	dk_capture dk exec -e EXTRA=1 -w /tmp "$ID" sh -c 'echo "$EXTRA $PWD"'
	assert_eq "$status" 0 "exec exit status"
	assert_eq "$output" "1 /tmp"
	dk_capture dk exec --user 1000:1000 "$ID" id
	assert_eq "$status" 0 "exec --user exit status"
	assert_contains "$output" "uid=1000(user) gid=1000(user)"
	# exec -d: the process runs on in the container.
	run -0 dk exec -d "$ID" sleep 999
	run -0 dk top "$ID"
	assert_contains "$output" "sleep 999"
	run -0 dk rm -f "$ID"
	dk_assert_clean "$DK_CID"
}

@test "docker: exec -t" {
	dk_start
	run_in_pty "$DOCKER_CLI" -H "unix://$DOCKER_SOCK" exec -t "$ID" sh -c '[ -t 0 ] && [ -t 1 ] && echo exec-tty; exit 6'
	assert_eq "$status" 6 "exit status"
	assert_eq "${lines[0]}" exec-tty
}

@test "docker: top lists the container's processes" {
	dk_start
	run -0 dk top "$ID"
	assert_contains "${lines[0]}" PID
	assert_contains "$output" "sleep 1000"
	assert_eq "${#lines[@]}" 3 "lines (header, sh, sleep)"
}

@test "docker: pause and unpause" {
	dk_start
	run -0 dk pause "$ID"
	assert_eq "$(dk_state "$ID")" paused "state"
	local pid
	pid="$(dk inspect -f '{{.State.Pid}}' "$ID")"
	if cgroup_v1 freezer; then
		assert_eq "$(cat "$(cgroup_dir "$pid" freezer)/freezer.state")" FROZEN "freezer.state"
	fi
	# exec into a paused container is refused by docker itself.
	run ! dk exec "$ID" true
	run -0 dk unpause "$ID"
	assert_eq "$(dk_state "$ID")" running "state"
	dk_capture dk exec "$ID" echo unpaused
	assert_eq "$status" 0
	assert_eq "$output" unpaused
}

@test "docker: stop (SIGTERM), start again, kill, rm" {
	dk_start
	run -0 dk stop "$ID"
	assert_eq "$(dk_state "$ID")" exited "state"
	assert_eq "$(dk inspect -f '{{.State.ExitCode}}' "$ID")" 0 "exit code after stop"
	# A stopped container starts again: the runtime's old state is gone.
	run -0 dk start "$ID"
	assert_eq "$(dk_state "$ID")" running "state after start"
	run -0 dk kill "$ID"
	run -0 dk wait "$ID"
	assert_eq "$output" 137 "exit status after kill"
	run -0 dk rm "$ID"
	dk_assert_clean "$DK_CID"
}

@test "docker: restart" {
	dk_start
	local pid1 pid2
	pid1="$(dk inspect -f '{{.State.Pid}}' "$ID")"
	run -0 dk restart "$ID"
	assert_eq "$(dk_state "$ID")" running "state"
	pid2="$(dk inspect -f '{{.State.Pid}}' "$ID")"
	[ "$pid1" != "$pid2" ]
	run -0 dk rm -f "$ID"
	dk_assert_clean "$DK_CID"
}

@test "docker: run -t gives the process a terminal" {
	run_in_pty "$DOCKER_CLI" -H "unix://$DOCKER_SOCK" run --rm -t --runtime "$DOCKER_RT_NAME" --name "$ID" \
		"$DOCKER_IMAGE" sh -c 'tty; [ -t 0 ] && [ -t 1 ] && echo both-tty; exit 4'
	assert_eq "$status" 4 "exit status"
	assert_eq "${lines[0]}" /dev/pts/0 "tty"
	assert_eq "${lines[1]}" both-tty
}

@test "docker: --memory" {
	requires memory
	dk_start --memory 64m
	local pid dir
	pid="$(dk inspect -f '{{.State.Pid}}' "$ID")"
	dir="$(cgroup_dir "$pid" memory)"
	if cgroup_v1 memory; then
		assert_eq "$(cat "$dir/memory.limit_in_bytes")" 67108864 "memory.limit_in_bytes"
	else
		assert_eq "$(cat "$dir/memory.max")" 67108864 "memory.max"
	fi
	run -0 dk rm -f "$ID"
	dk_assert_clean "$DK_CID"
	[ ! -e "$dir" ]
}

@test "docker: update changes the limits of a running container" {
	requires memory pids cpu
	dk_start --memory 64m
	run -0 dk update --memory 128m --memory-swap 256m --pids-limit 20 --cpu-shares 512 "$ID"
	local pid
	pid="$(dk inspect -f '{{.State.Pid}}' "$ID")"
	assert_eq "$(cat "$(cgroup_dir "$pid" pids)/pids.max")" 20 "pids.max"
	if cgroup_v1 memory; then
		assert_eq "$(cat "$(cgroup_dir "$pid" memory)/memory.limit_in_bytes")" 134217728 "memory.limit_in_bytes"
	else
		assert_eq "$(cat "$(cgroup_dir "$pid" memory)/memory.max")" 134217728 "memory.max"
	fi
	if cgroup_v1 cpu; then
		assert_eq "$(cat "$(cgroup_dir "$pid" cpu)/cpu.shares")" 512 "cpu.shares"
	fi
	assert_eq "$(dk inspect -f '{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}}' "$ID")" "134217728 20"
}

@test "docker: --pids-limit" {
	requires pids
	dk_start --pids-limit 10
	local pid
	pid="$(dk inspect -f '{{.State.Pid}}' "$ID")"
	assert_eq "$(cat "$(cgroup_dir "$pid" pids)/pids.max")" 10 "pids.max"
	# The eleventh process cannot be forked.
	dk_capture dk exec "$ID" sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do sleep 100 & done; wait'
	assert_contains "$output" "an't fork"
}

@test "docker: --cap-drop ALL" {
	dk_run --cap-drop ALL -- sh -c 'grep -E "^Cap(Prm|Eff|Bnd)" /proc/self/status; chown 1 /tmp'
	assert_eq "$status" 1 "exit status"
	assert_contains "$output" "CapPrm:	0000000000000000"
	assert_contains "$output" "CapEff:	0000000000000000"
	assert_contains "$output" "CapBnd:	0000000000000000"
	assert_contains "$output" "Operation not permitted"
}

@test "docker: --user" {
	dk_run --user 1000:1000 -- id
	assert_eq "$status" 0 "exit status"
	assert_eq "$output" "uid=1000(user) gid=1000(user) groups=1000(user)"
	dk_run --user nobody -- id -u
	assert_eq "$output" 65534
}

@test "docker: --read-only" {
	dk_run --read-only -- sh -c 'touch /newfile'
	assert_eq "$status" 1 "exit status"
	assert_contains "$output" "Read-only file system"
	# /dev and the mounts docker adds stay writable.
	dk_run --read-only -- sh -c 'echo x >/dev/null && echo dev-ok'
	assert_eq "$output" dev-ok
}

@test "docker: --tmpfs with size and mode" {
	# docker mounts an empty tmpfs (no tmpcopyup, unlike podman).
	dk_run --tmpfs /mnt/scratch:size=1m,mode=1777 -- \
		sh -c 'grep " /mnt/scratch " /proc/mounts; stat -c %a /mnt/scratch; ls -A /mnt/scratch | wc -l'
	assert_eq "$status" 0 "exit status"
	assert_contains "${lines[0]}" "tmpfs /mnt/scratch tmpfs rw,nosuid,nodev,noexec,relatime,size=1024k"
	assert_eq "${lines[1]}" 1777 "mode"
	assert_eq "${lines[2]}" 0 "entries"
}

@test "docker: -v bind mounts, read-only and read-write" {
	mkdir -p "$TEST_TMP/hostdir"
	echo host-data >"$TEST_TMP/hostdir/file"
	dk_run -v "$TEST_TMP/hostdir:/mnt/host:ro" -- sh -c 'exec 2>&1; cat /mnt/host/file; touch /mnt/host/new'
	assert_eq "$status" 1 "exit status"
	assert_eq "${lines[0]}" host-data
	assert_contains "${lines[1]}" "Read-only file system"
	[ ! -e "$TEST_TMP/hostdir/new" ]
	dk_run -v "$TEST_TMP/hostdir:/mnt/host" -- sh -c 'echo from-container >/mnt/host/new'
	assert_eq "$status" 0 "exit status"
	assert_eq "$(cat "$TEST_TMP/hostdir/new")" from-container
}

@test "docker: -e, -w and the daemon's default ulimits" {
	dk_run -e FOO=bar -e 'SPACED=a b' -w /tmp -- sh -c 'echo "$FOO|$SPACED|$PWD|$(ulimit -n)|$(ulimit -u)"'
	assert_eq "$status" 0 "exit status"
	assert_eq "$output" "bar|a b|/tmp|1024|1024"
}

@test "docker: stats --no-stream" {
	requires memory
	dk_start --memory 64m
	run -0 dk stats --no-stream --format '{{.Name}} {{.MemUsage}} {{.PIDs}}' "$ID"
	assert_contains "$output" "$ID "
	assert_contains "$output" "/ 64MiB"
	[[ "$output" =~ \ 2$ ]]
}

@test "docker: a missing command is exit status 127, as with runc" {
	# The client maps the runtime's error text to the exit status: the
	# text must say "no such file or directory" (Go's wording, lower case).
	dk_run -- /does/not/exist
	assert_eq "$status" 127 "exit status"
	assert_contains "$output" "/does/not/exist"
	assert_contains "$output" "no such file or directory"
}

@test "docker: a command not in PATH is exit status 127, as with runc" {
	dk_run -- no-such-command
	assert_eq "$status" 127 "exit status"
	assert_contains "$output" "no-such-command"
	assert_contains "$output" "executable file not found in \$PATH"
}

@test "docker: a command that is not executable is exit status 126, as with runc" {
	dk_run -- /etc/passwd
	assert_eq "$status" 126 "exit status"
	assert_contains "$output" "/etc/passwd"
	assert_contains "$output" "permission denied"
}

@test "docker: nothing left after the containers are removed" {
	dk_start
	local cid="$DK_CID" pid
	pid="$(dk inspect -f '{{.State.Pid}}' "$ID")"
	dk exec -d "$ID" sleep 999
	run -0 dk rm -f "$ID"
	dk_assert_clean "$cid"
	wait_for_exit "$pid"
}
