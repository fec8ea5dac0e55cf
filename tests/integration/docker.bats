#!/usr/bin/env bats
# Docker (dockerd 20.10 + the containerd it starts + containerd-shim-runc-v2)
# with the runtime under test registered in daemon.json's "runtimes", made
# the default runtime and also named with `docker run --runtime`. One private dockerd per file: its own
# data-root, exec-root, pidfile and socket in $CLIENT_TMP/docker, no bridge,
# no iptables; it starts its own containerd under the exec-root (so nothing
# is shared with containerd.bats or a system containerd).

load helpers
load clients
load engine

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
	ENG_IMAGE="$DOCKER_IMAGE"
	ENG_RUN_OPTS=(--runtime "$DOCKER_RT_NAME")
	ENG_ARGV=("$DOCKER_CLI" -H "unix://$DOCKER_SOCK")
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

# The scenario library's interface (engine.bash).
eng() { dk "$@"; }
eng_track() { DK_CIDS+=("$1"); }
eng_rtroot() { dk_runtime_root; }
eng_cgroup_glob() { echo "*/$DOCKER_NS/$1"; }
client_on_failure() {
	echo "--- dockerd log since the test began:" >&2
	tail -n +"$((DK_LOG_MARK + 1))" "$DOCKER_DIR/dockerd.log" | grep -E 'level=(error|warning)' | tail -n 10 >&2
}
ENG_MEM64=64MiB ENG_UPDATE_PIDS=1 ENG_ERROR_WORDS=1

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

# eng_assert_clean CID: docker holds no container CID; no state dir, cgroup
# or mount is left for it.
eng_assert_clean() {
	local cid="$1"
	[ -n "$cid" ] || return 0
	run -0 dk ps -aq --no-trunc
	assert_not_contains "$output" "$cid"
	assert_no_runtime_leftovers "$(dk_runtime_root)" "$cid"
}

@test "docker: run --rm prints the output, exit status 0" { sc_run_rm_output; }
@test "docker: run --rm returns the non-zero exit status" { sc_run_rm_status; }
@test "docker: run -d runs the container with the runtime under test" { sc_run_detached; }

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

@test "docker: logs of a detached container, wait returns its exit status" { sc_logs_wait; }
@test "docker: exec prints the output and returns the exit status" { sc_exec; }
@test "docker: exec -t" { sc_exec_tty; }
@test "docker: top lists the container's processes" { sc_top; }
@test "docker: pause and unpause" { sc_pause; }
@test "docker: stop (SIGTERM), start again, kill, rm" { sc_stop_start_kill; }
@test "docker: restart" { sc_restart; }
@test "docker: run -t gives the process a terminal" { sc_run_tty; }
@test "docker: --memory" { sc_memory; }
@test "docker: update changes the limits of a running container" { sc_update; }
@test "docker: --pids-limit" { sc_pids_limit; }
@test "docker: --cap-drop ALL" { sc_cap_drop_all; }
@test "docker: --user" { sc_user; }
@test "docker: --read-only" { sc_read_only; }

@test "docker: --tmpfs with size and mode" {
	# docker mounts an empty tmpfs (no tmpcopyup, unlike podman).
	eng_run --tmpfs /mnt/scratch:size=1m,mode=1777 -- \
		sh -c 'grep " /mnt/scratch " /proc/mounts; stat -c %a /mnt/scratch; ls -A /mnt/scratch | wc -l'
	assert_eq "$status" 0 "exit status"
	assert_contains "${lines[0]}" "tmpfs /mnt/scratch tmpfs rw,nosuid,nodev,noexec,relatime,size=1024k"
	assert_eq "${lines[1]}" 1777 "mode"
	assert_eq "${lines[2]}" 0 "entries"
}

@test "docker: -v bind mounts, read-only and read-write" { sc_bind_volumes; }
@test "docker: -e, -w and the daemon's default ulimits" { sc_env_workdir_ulimits; }
@test "docker: stats --no-stream" { sc_stats; }
@test "docker: a missing command is exit status 127, as with runc" { sc_missing_command; }
@test "docker: a command not in PATH is exit status 127, as with runc" { sc_command_not_in_path; }
@test "docker: a command that is not executable is exit status 126, as with runc" { sc_not_executable; }

@test "docker: nothing left after the containers are removed" {
	eng_start
	local cid="$ENG_CID" pid
	pid="$(eng_pid "$ID")"
	dk exec -d "$ID" sleep 999
	run -0 dk rm -f "$ID"
	eng_assert_clean "$cid"
	wait_for_exit "$pid"
}
