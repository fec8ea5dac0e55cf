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
load engine

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
	ENG_IMAGE="$PODMAN_IMAGE"
	ENG_RUN_OPTS=(--cgroup-parent "/$PODMAN_NS" "${PM_RUN_OPTS[@]}")
	local g
	g="$(pm_global_args)"
	# shellcheck disable=SC2206 # the paths have no blanks (mktemp names)
	ENG_ARGV=(podman $g)
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

# The scenario library's interface (engine.bash).
eng() { pm "$@"; }
eng_track() { pm_track "$1"; }
eng_rtroot() { echo "$PODMAN_RTROOT"; }
eng_cgroup_glob() { echo "*/$PODMAN_NS/*$1*"; }
eng_assert_clean() {
	run -0 pm ps -aq --no-trunc
	assert_not_contains "$output" "$1"
	assert_no_runtime_leftovers "$PODMAN_RTROOT" "$1"
}
ENG_MEM64=67.11MB ENG_UPDATE_PIDS=0 ENG_ERROR_WORDS=0

@test "podman: run --rm prints the output, exit status 0" { sc_run_rm_output; }
@test "podman: run --rm returns the non-zero exit status" { sc_run_rm_status; }
@test "podman: run -d runs the container with the runtime under test" { sc_run_detached; }
@test "podman: logs of a detached container, wait returns its exit status" { sc_logs_wait; }
@test "podman: exec prints the output and returns the exit status" { sc_exec; }
@test "podman: exec -t" { sc_exec_tty; }
@test "podman: top lists the container's processes" { sc_top; }
@test "podman: pause and unpause" { sc_pause; }
@test "podman: stop (SIGTERM), start again, kill, rm" { sc_stop_start_kill; }
@test "podman: restart" { sc_restart; }
@test "podman: run -t gives the process a terminal" { sc_run_tty; }
@test "podman: --memory" { sc_memory; }
# (podman 4.3's update has no --pids-limit)
@test "podman: update changes the limits of a running container" { sc_update; }
@test "podman: --pids-limit" { sc_pids_limit; }
@test "podman: --cap-drop ALL" { sc_cap_drop_all; }
@test "podman: --user" { sc_user; }

@test "podman: --read-only (with podman's tmpfs on /run, /tmp, /var/tmp)" {
	sc_read_only
	# podman mounts those tmpfs with the runc extension option "tmpcopyup".
	eng_run --read-only -- sh -c 'touch /tmp/x /run/x /var/tmp/x && echo tmpfs-rw'
	assert_eq "$status" 0 "exit status"
	assert_eq "$output" tmpfs-rw
}

@test "podman: --read-only --read-only-tmpfs=false" {
	eng_run --read-only --read-only-tmpfs=false -- sh -c 'touch /newfile'
	assert_eq "$status" 1 "exit status"
	assert_contains "$output" "Read-only file system"
	eng_run --read-only --read-only-tmpfs=false -- sh -c 'touch /tmp/x'
	assert_eq "$status" 1 "exit status"
	assert_contains "$output" "Read-only file system"
}

@test "podman: --tmpfs copies the image's directory into the tmpfs (tmpcopyup)" {
	eng_run --tmpfs /etc -- sh -c 'grep " /etc " /proc/mounts; grep ^user: /etc/passwd'
	assert_eq "$status" 0 "exit status"
	assert_contains "${lines[0]}" "tmpfs /etc tmpfs"
	assert_eq "${lines[1]}" "user:x:1000:1000:user:/home/user:/bin/sh"
}

@test "podman: -v bind mounts, read-only and read-write" { sc_bind_volumes; }

@test "podman: --uidmap with a :idmap volume (an idmapped bind), files of root stay root's" {
	runc_gap "idmapped mounts came in runc 1.2"
	mkdir -p "$TEST_TMP/idvol"
	touch "$TEST_TMP/idvol/root-owned"
	eng_run --uidmap 0:200000:65536 --gidmap 0:200000:65536 -v "$TEST_TMP/idvol:/v:idmap" -- \
		sh -c 'cat /proc/self/uid_map; stat -c "%u %g" /v/root-owned; touch /v/made && echo made'
	assert_eq "$status" 0 "exit status"
	assert_contains "$output" "0     200000      65536"
	assert_contains "$output" "0 0"
	assert_contains "$output" made
	# written as container root through the mapping: stored as 0, not 200000
	assert_eq "$(stat -c '%u %g' "$TEST_TMP/idvol/made")" "0 0"
}

@test "podman: --env, --workdir and --ulimit" { sc_env_workdir_ulimits; }
@test "podman: stats --no-stream" { sc_stats; }
@test "podman: a missing command is exit status 127, as with runc" { sc_missing_command; }
@test "podman: a command not in PATH is exit status 127, as with runc" { sc_command_not_in_path; }
@test "podman: a command that is not executable is exit status 126, as with runc" { sc_not_executable; }

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
	CONTAINERS_CONF="$TEST_TMP/containers.conf" client_capture podman "${args[@]}" run --rm \
		--cidfile "$TEST_TMP/cid" --cgroup-parent "/$PODMAN_NS" "$PODMAN_IMAGE" /does/not/exist
	[ ! -s "$TEST_TMP/cid" ] || pm_track "$(cat "$TEST_TMP/cid")"
	assert_eq "$status" 127 "exit status"
	assert_contains "$output" '"/does/not/exist"'
}

@test "podman: nothing left after the container is removed" {
	eng_start
	local cid="$ENG_CID" pid merged conmon
	pid="$(eng_pid "$ID")"
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
