#!/usr/bin/env bats
# containerd (ctr + containerd-shim-runc-v2) with the runtime under test as
# the shim's runc binary. One private containerd per file: its own root,
# state, sockets and config (no CRI plugin), in $CLIENT_TMP/containerd. The
# shim runs the runtime with --root $CTRD_RTROOT/<namespace> (ctr
# --runc-root), so the state dirs it leaves (or not) are ours to check.

load helpers
load clients

setup_file() {
	client_requires containerd ctr containerd-shim-runc-v2 script || return 0
	client_setup_file containerd
	local d="$CLIENT_TMP/containerd"
	mkdir -p "$d/rtroot"
	export CTRD_DIR="$d" CTRD_SOCK="$d/containerd.sock" CTRD_RTROOT="$d/rtroot"
	# A namespace of our own: the cgroup parent (/<ns>) and the runtime
	# root (<rtroot>/<ns>) are named for it.
	export CTRD_NS="ocit-ctrd-${BATS_ROOT_PID:-$$}"
	export CTRD_IMAGE="$CLIENT_IMAGE_NAME"
	cat >"$d/config.toml" <<-EOF
		version = 2
		root = "$d/root"
		state = "$d/state"
		disabled_plugins = ["io.containerd.grpc.v1.cri"]

		[grpc]
		  address = "$CTRD_SOCK"

		[ttrpc]
		  address = "$CTRD_SOCK.ttrpc"

		[debug]
		  address = "$d/debug.sock"
		  level = "info"

		[plugins."io.containerd.internal.v1.opt"]
		  path = "$d/opt"
	EOF
	start_daemon containerd "$d/containerd.log" containerd --config "$d/config.toml"
	wait_for_daemon containerd "$CTRD_SOCK" "$d/containerd.log" || {
		[ $? -eq 2 ] && return 0
		return 1
	}

	build_oci_image_tar "$CLIENT_TMP/busybox-rootfs.tar" "$CTRD_IMAGE" "$CLIENT_TMP/busybox-oci.tar"
	ctrc images import "$CLIENT_TMP/busybox-oci.tar" >"$d/import.log" 2>&1 || {
		cat "$d/import.log" >&2
		return 1
	}
}

teardown_file() {
	[ -n "${CLIENT_TMP:-}" ] || return 0
	if [ -S "${CTRD_SOCK:-}" ]; then
		ctrd_remove_all
		ctrc images rm "$CTRD_IMAGE" >/dev/null 2>&1
	fi
	stop_daemon containerd
	# What containerd could not remove, through the runtime.
	runtime_delete_all "$CTRD_RTROOT/$CTRD_NS"
	runtime_delete_all "/run/containerd/runc/$CTRD_NS"
	rmdir /run/containerd/runc/"$CTRD_NS" 2>/dev/null
	# Shims outlive containerd by design; any left are ours (their command
	# line names our socket).
	kill_procs_under "$CLIENT_TMP"
	# The cgroup parent named for our namespace (runc leaves it too).
	remove_cgroup_tree "$CTRD_NS"
	client_teardown_file
}

setup() {
	client_setup
	CTRD_LOG_MARK="$(wc -l <"$CTRD_DIR/containerd.log")"
}

teardown() {
	[ -n "${CTRD_DIR:-}" ] || return 0
	ctrd_remove_all
	teardown_common
}

# ctrc ARGS...: ctr on our containerd and namespace.
ctrc() {
	[ -n "${CTRD_SOCK:-}" ] || return 1
	ctr -a "$CTRD_SOCK" -n "$CTRD_NS" "$@"
}

# ctrd_run [CTR RUN OPTION...] -- COMMAND...: `ctr run --rm` of the test
# image as $ID with the runtime under test; stdio are files (see run_rt).
ctrd_run() {
	client_split_args "$@"
	client_capture ctrc run --fifo-dir "$CTRD_DIR/fifo" --runc-binary "$CLIENT_RT" --runc-root "$CTRD_RTROOT" --rm \
		"${CLIENT_OPTS[@]}" "$CTRD_IMAGE" "$ID" "${CLIENT_CMD[@]}"
}

# ctrd_start [CTR RUN OPTION...]: a detached task $ID running `sleep 1000`.
ctrd_start() {
	ctrc run --fifo-dir "$CTRD_DIR/fifo" --runc-binary "$CLIENT_RT" --runc-root "$CTRD_RTROOT" -d "$@" \
		"$CTRD_IMAGE" "$ID" sleep 1000 </dev/null >"$TEST_TMP/start.out" 2>&1 || {
		cat "$TEST_TMP/start.out" >&2
		ctrd_log_tail
		return 1
	}
	[ "$(ctrd_task_status "$ID")" = RUNNING ]
}

client_on_failure() { ctrd_log_tail; }

# ctrd_task_status ID: RUNNING, PAUSED, STOPPED...
ctrd_task_status() {
	ctrc task ls 2>/dev/null | awk -v id="$1" '$1 == id {print $3}'
}

# ctrd_wait_status ID STATUS
ctrd_wait_status() {
	local i got=""
	for ((i = 0; i < POLL_TRIES; i++)); do
		got="$(ctrd_task_status "$1")"
		[ "$got" = "$2" ] && return 0
		sleep "$POLL_INTERVAL"
	done
	echo "task $1: status '$got', expected '$2'" >&2
	return 1
}

# ctrd_log_tail: containerd's log since the test began (errors from the
# shim and the runtime's --log land there).
ctrd_log_tail() {
	echo "--- containerd log:" >&2
	tail -n +"$((CTRD_LOG_MARK + 1))" "$CTRD_DIR/containerd.log" | grep -v 'level=debug' | tail -n 20 >&2
}

# ctrd_remove_all: kill and delete every task and container of our namespace.
ctrd_remove_all() {
	local id
	for id in $(ctrc task ls -q 2>/dev/null); do
		ctrc task kill -s SIGKILL "$id" >/dev/null 2>&1
		ctrd_wait_status "$id" STOPPED 2>/dev/null
		ctrc task rm -f "$id" >/dev/null 2>&1 || echo "teardown: ctr task rm -f $id failed" >&2
	done
	for id in $(ctrc containers ls -q 2>/dev/null); do
		ctrc containers rm "$id" >/dev/null 2>&1 || echo "teardown: ctr containers rm $id failed" >&2
	done
}

# ctrd_assert_clean: containerd holds no container $ID, and the runtime
# left nothing for it (state dir in the shim's --root, cgroup, mount).
ctrd_assert_clean() {
	run -0 ctrc containers ls -q
	assert_not_contains "$output" "$ID"
	assert_no_runtime_leftovers "$CTRD_RTROOT/$CTRD_NS" "$ID"
}

@test "containerd: ctr run --rm prints the output, exit status 0" {
	ctrd_run -- echo hello from "$RUNTIME_NAME"
	assert_eq "$status" 0 "exit status"
	assert_eq "$output" "hello from $RUNTIME_NAME" "output"
	ctrd_assert_clean
}

@test "containerd: ctr run --rm returns the non-zero exit status" {
	ctrd_run -- sh -c 'echo to-stderr >&2; exit 3'
	assert_eq "$status" 3 "exit status"
	assert_eq "$output" "to-stderr" "output"
	ctrd_assert_clean
}

@test "containerd: the shim runs the runtime with the --root and --runc-binary given" {
	ctrd_start
	# The runtime's state dir is where the shim said; `state` agrees.
	[ -d "$CTRD_RTROOT/$CTRD_NS/$ID" ]
	run -0 "$RUNTIME" --root "$CTRD_RTROOT/$CTRD_NS" state "$ID"
	assert_eq "$(jq -r .status <<<"$output")" running "state .status"
	assert_eq "$(jq -r .pid <<<"$output")" "$(ctrc task ls | awk -v id="$ID" '$1 == id {print $2}')" "state .pid"
	ctrd_remove_all
	ctrd_assert_clean
}

@test "containerd: without --runc-root the shim uses /run/containerd/runc/<namespace>" {
	ctrc run --fifo-dir "$CTRD_DIR/fifo" --runc-binary "$CLIENT_RT" -d "$CTRD_IMAGE" "$ID" sleep 1000 </dev/null >"$TEST_TMP/start.out" 2>&1 || {
		cat "$TEST_TMP/start.out" >&2
		false
	}
	[ -d "/run/containerd/runc/$CTRD_NS/$ID" ]
	ctrd_remove_all
	[ ! -e "/run/containerd/runc/$CTRD_NS/$ID" ]
	ctrd_assert_clean
}

@test "containerd: ctr task exec prints the output and returns the exit status" {
	ctrd_start
	client_capture ctrc task exec --fifo-dir "$CTRD_DIR/fifo" --exec-id ex1 "$ID" sh -c 'echo in-exec; exit 5'
	assert_eq "$status" 5 "exec exit status"
	assert_eq "$output" in-exec "exec output"
	client_capture ctrc task exec --fifo-dir "$CTRD_DIR/fifo" --exec-id ex2 "$ID" sh -c 'echo $$ ok'
	assert_eq "$status" 0 "exec exit status"
	[[ "$output" =~ ^[0-9]+\ ok$ ]]
	ctrd_remove_all
	ctrd_assert_clean
}

@test "containerd: ctr task exec --user" {
	ctrd_start
	client_capture ctrc task exec --fifo-dir "$CTRD_DIR/fifo" --exec-id u1 --user 1000 "$ID" id
	assert_eq "$status" 0 "exit status"
	assert_contains "$output" "uid=1000(user)"
	client_capture ctrc task exec --fifo-dir "$CTRD_DIR/fifo" --exec-id u2 --user nobody "$ID" id -u
	assert_eq "$status" 0 "exit status"
	assert_eq "$output" 65534 "id -u of nobody"
	ctrd_remove_all
	ctrd_assert_clean
}

@test "containerd: ctr task ps lists the container's processes" {
	ctrd_start
	local pid
	pid="$(ctrc task ls | awk -v id="$ID" '$1 == id {print $2}')"
	ctrc task exec --fifo-dir "$CTRD_DIR/fifo" -d --exec-id bg "$ID" sleep 1000 </dev/null
	run -0 ctrc task ps "$ID"
	assert_eq "${lines[0]%% *}" PID "header"
	assert_eq "${#lines[@]}" 3 "lines (header + init + exec)"
	assert_contains "$output" "$pid"
	ctrd_remove_all
	ctrd_assert_clean
}

@test "containerd: ctr task pause and resume" {
	ctrd_start
	run -0 ctrc task pause "$ID"
	ctrd_wait_status "$ID" PAUSED
	# A frozen task runs nothing: its freezer state says so.
	local pid
	pid="$(ctrc task ls | awk -v id="$ID" '$1 == id {print $2}')"
	if cgroup_v1 freezer; then
		assert_eq "$(cat "$(cgroup_dir "$pid" freezer)/freezer.state")" FROZEN "freezer.state"
	fi
	run -0 ctrc task resume "$ID"
	ctrd_wait_status "$ID" RUNNING
	client_capture ctrc task exec --fifo-dir "$CTRD_DIR/fifo" --exec-id after "$ID" echo resumed
	assert_eq "$status" 0 "exec after resume"
	assert_eq "$output" resumed
	ctrd_remove_all
	ctrd_assert_clean
}

@test "containerd: ctr task metrics" {
	requires memory pids
	ctrd_start --memory-limit 67108864
	run -0 ctrc task metrics --format json "$ID"
	jq -e . <<<"$output" >/dev/null
	# v1 and v2 shims name the fields differently.
	local limit pids
	limit="$(jq -r '.memory.usage.limit // .memory_limit // .memory.hierarchical_memory_limit // empty' <<<"$output")"
	pids="$(jq -r '.pids.current // empty' <<<"$output")"
	assert_eq "$limit" 67108864 "memory limit in metrics"
	assert_eq "$pids" 1 "pids.current"
	run -0 ctrc task metrics "$ID"
	assert_contains "$output" "pids.current"
	ctrd_remove_all
	ctrd_assert_clean
}

@test "containerd: ctr task kill, task delete, container rm" {
	ctrd_start
	run -0 ctrc task kill -s SIGKILL "$ID"
	ctrd_wait_status "$ID" STOPPED
	run -0 ctrc task delete "$ID"
	run -0 ctrc container rm "$ID"
	ctrd_assert_clean
}

@test "containerd: ctr task kill (SIGTERM) reaches a shell that traps it" {
	ctrc run --fifo-dir "$CTRD_DIR/fifo" --runc-binary "$CLIENT_RT" --runc-root "$CTRD_RTROOT" -d "$CTRD_IMAGE" "$ID" \
		sh -c 'trap "exit 7" TERM; echo trapping; sleep 1000 & wait' </dev/null >/dev/null 2>&1
	ctrd_wait_status "$ID" RUNNING
	# The trap is set once the shell has started its child.
	local i
	for ((i = 0; i < POLL_TRIES; i++)); do
		[ "$(ctrc task ps "$ID" | wc -l)" -ge 3 ] && break
		sleep "$POLL_INTERVAL"
	done
	run -0 ctrc task kill "$ID"
	ctrd_wait_status "$ID" STOPPED
	# ctr reports a non-zero exit status of the deleted task.
	run -0 ctrc task delete "$ID"
	assert_contains "$output" "exit code 7"
	run -0 ctrc container rm "$ID"
	ctrd_assert_clean
}

@test "containerd: ctr run -t gives the process a terminal" {
	run_in_pty ctr -a "$CTRD_SOCK" -n "$CTRD_NS" run --fifo-dir "$CTRD_DIR/fifo" -t --runc-binary "$CLIENT_RT" --runc-root "$CTRD_RTROOT" --rm \
		"$CTRD_IMAGE" "$ID" sh -c 'tty; [ -t 0 ] && [ -t 1 ] && echo both-tty; exit 4'
	assert_eq "$status" 4 "exit status"
	assert_eq "${lines[0]}" /dev/pts/0 "tty"
	assert_eq "${lines[1]}" both-tty
	ctrd_assert_clean
}

@test "containerd: ctr task exec -t" {
	ctrd_start
	run_in_pty ctr -a "$CTRD_SOCK" -n "$CTRD_NS" task exec --fifo-dir "$CTRD_DIR/fifo" -t --exec-id tty1 "$ID" sh -c '[ -t 0 ] && [ -t 1 ] && echo exec-tty; exit 6'
	assert_eq "$status" 6 "exit status"
	assert_eq "${lines[0]}" exec-tty
	ctrd_remove_all
	ctrd_assert_clean
}

@test "containerd: --memory-limit sets the memory cgroup limit" {
	requires memory
	ctrd_start --memory-limit 67108864
	local pid dir
	pid="$(ctrc task ls | awk -v id="$ID" '$1 == id {print $2}')"
	dir="$(cgroup_dir "$pid" memory)"
	if cgroup_v1 memory; then
		assert_eq "$(cat "$dir/memory.limit_in_bytes")" 67108864 "memory.limit_in_bytes"
	else
		assert_eq "$(cat "$dir/memory.max")" 67108864 "memory.max"
	fi
	# The cgroup is the one ctr asked for: /<namespace>/<id>.
	[[ "$dir" == */"$CTRD_NS/$ID" ]]
	ctrd_remove_all
	ctrd_assert_clean
	[ ! -e "$dir" ]
}

@test "containerd: --read-only makes the rootfs read-only" {
	ctrd_run --read-only -- sh -c 'touch /newfile'
	assert_eq "$status" 1 "exit status"
	assert_contains "$output" "Read-only file system"
	ctrd_run --read-only -- sh -c 'touch /tmp/x 2>/dev/null || echo tmp-ro; grep " / " /proc/mounts'
	assert_eq "$status" 0 "exit status"
	assert_contains "$output" " ro,"
	ctrd_assert_clean
}

@test "containerd: --mount type=bind,options=rbind:ro" {
	mkdir -p "$TEST_TMP/hostdir"
	echo host-data >"$TEST_TMP/hostdir/file"
	ctrd_run --mount "type=bind,src=$TEST_TMP/hostdir,dst=/mnt/host,options=rbind:ro" -- \
		sh -c 'exec 2>&1; cat /mnt/host/file; touch /mnt/host/new'
	assert_eq "$status" 1 "exit status"
	assert_eq "${lines[0]}" host-data
	assert_contains "${lines[1]}" "Read-only file system"
	[ ! -e "$TEST_TMP/hostdir/new" ]
	ctrd_run --mount "type=bind,src=$TEST_TMP/hostdir,dst=/mnt/host,options=rbind:rw" -- \
		sh -c 'echo from-container >/mnt/host/new'
	assert_eq "$status" 0 "exit status"
	assert_eq "$(cat "$TEST_TMP/hostdir/new")" from-container
	ctrd_assert_clean
}

@test "containerd: --env and --cwd" {
	ctrd_run --env FOO=bar --env 'SPACED=a b' --cwd /tmp -- sh -c 'echo "$FOO|$SPACED|$PWD"'
	assert_eq "$status" 0 "exit status"
	assert_eq "$output" "bar|a b|/tmp"
	ctrd_assert_clean
}

@test "containerd: the runtime's errors reach ctr" {
	ctrd_run -- /does/not/exist
	[ "$status" -ne 0 ]
	assert_contains "$output" "/does/not/exist"
	ctrd_assert_clean
}
