#!/usr/bin/env bats
# exec into a running container, and the remaining create flags.

load helpers

start_sleeper() {
	set_args sleep 1000
	start_detached
}

@test "exec: output and exit code of the process are the runtime's" {
	start_sleeper
	run_rt exec "$ID" sh -c 'echo hello; exit 9'
	[ "$status" -eq 9 ]
	assert_eq "$output" hello
}

@test "exec: the process joins every namespace and the cgroup of the init" {
	start_sleeper
	local pid
	pid="$(ctr_pid "$ID")"
	run_rt exec "$ID" sh -c 'for n in pid net mnt ipc uts; do readlink /proc/self/ns/$n; done; cat /proc/self/cgroup'
	[ "$status" -eq 0 ]
	for n in pid net mnt ipc uts; do
		assert_contains "$output" "$(readlink "/proc/$pid/ns/$n")"
	done
	local cg
	cg="$(grep -m1 ':memory:' "/proc/$pid/cgroup")"
	assert_contains "$output" "$cg"
}

@test "exec --cgroup: per-controller sub-cgroups, runc's syntax and refusals" {
	requires_ocirun
	requires cgroup_v1 memory pids
	cgroup_v1 pids || skip "needs pids on cgroup v1"
	start_sleeper
	local pid mem pids sub="s$ID"
	pid="$(ctr_pid "$ID")"
	mem="$(cgroup_dir "$pid" memory)" pids="$(cgroup_dir "$pid" pids)"
	mkdir "$mem/$sub" "$pids/$sub"
	run_rt exec --cgroup "memory:$sub" --cgroup "pids:$sub" "$ID" cat /proc/self/cgroup
	[ "$status" -eq 0 ]
	grep -qx "[0-9]*:memory:.*/$ID/$sub" <<<"$output"
	grep -qx "[0-9]*:pids:.*/$ID/$sub" <<<"$output"
	# the hierarchies no argument names: the container's cgroup
	grep -qx "[0-9]*:freezer:.*/$ID" <<<"$output"
	# a path alone: every hierarchy
	run_rt exec --cgroup "/" "$ID" cat /proc/self/cgroup
	[ "$status" -eq 0 ]
	grep -qx "[0-9]*:memory:.*/$ID" <<<"$output"
	run_rt exec --cgroup .. "$ID" true
	[ "$status" -ne 0 ]
	assert_contains "$output" "bad sub cgroup path: .."
	run_rt exec --cgroup memory:nonexistent "$ID" true
	[ "$status" -ne 0 ]
	assert_contains "$output" " adding pid "
	assert_contains "$output" "No such file or directory"
	run_rt exec --cgroup whaaat:/ "$ID" true
	[ "$status" -ne 0 ]
	assert_contains "$output" "unknown controller whaaat"
	run_rt exec --cgroup a --cgroup b "$ID" true
	[ "$status" -ne 0 ]
	assert_contains "$output" "multiple <path> arguments"
	rmdir "$mem/$sub" "$pids/$sub"
}

# As with runc: the container's process.oomScoreAdj, not the caller's (containerd's shim
# runs at -998, so a CRI ExecSync would otherwise be the last thing the OOM killer takes).
@test "exec: the process takes the container's oomScoreAdj, not the caller's" {
	update_config '.process.oomScoreAdj = 200'
	start_sleeper
	run_rt exec "$ID" cat /proc/self/oom_score_adj
	[ "$status" -eq 0 ]
	assert_eq "$output" 200 oom_score_adj
}

@test "exec: the process is not pid 1 and sees the init as pid 1" {
	start_sleeper
	run_rt exec "$ID" sh -c 'echo $$; cat /proc/1/cmdline | tr "\0" " "'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" -gt 1 ]
	assert_contains "${lines[1]}" "sleep 1000"
}

@test "exec: --env, --cwd, --user and --additional-gids apply" {
	start_sleeper
	run_rt exec --env FOO=bar --env BAZ=qux --cwd /tmp --user 1000:1000 --additional-gids 10 "$ID" \
		sh -c 'echo "$FOO $BAZ $(pwd) $(id -u) $(id -g) $(id -G)"'
	[ "$status" -eq 0 ]
	assert_eq "$output" "bar qux /tmp 1000 1000 1000 10"
}

@test "exec: the container's environment and capabilities are the defaults" {
	update_config '.process.env += ["FROMCONFIG=yes"]'
	start_sleeper
	run_rt exec "$ID" sh -c 'echo $FROMCONFIG; grep CapEff /proc/self/status'
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" yes
	local want
	want="$(config_cap_mask effective)"
	assert_contains "${lines[1]}" "$want"
}

@test "exec: --cap adds a capability" {
	start_sleeper
	run_rt exec --cap CAP_SYS_ADMIN "$ID" sh -c 'grep CapEff /proc/self/status'
	[ "$status" -eq 0 ]
	# bit 21 is CAP_SYS_ADMIN
	local eff=$((16#$(awk '{print $2}' <<<"$output")))
	[ $((eff >> 21 & 1)) -eq 1 ]
}

@test "exec: --process runs a process.json as is" {
	start_sleeper
	cat >"$TEST_TMP/process.json" <<'JSON'
{"args": ["sh", "-c", "echo $PJ; pwd; id -u"], "env": ["PJ=from-process-json", "PATH=/bin"], "cwd": "/proc",
 "user": {"uid": 65534, "gid": 65534}}
JSON
	run_rt exec --process "$TEST_TMP/process.json" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" from-process-json
	assert_eq "${lines[1]}" /proc
	assert_eq "${lines[2]}" 65534
}

@test "exec: a bad process.json names the file and the field" {
	requires_ocirun
	start_sleeper
	echo '{"args": ["true"], "cwd": "/", "user": {"uid": "x"}}' >"$TEST_TMP/bad.json"
	run_rt exec --process "$TEST_TMP/bad.json" "$ID"
	[ "$status" -ne 0 ]
	assert_contains "$output" "bad.json"
	assert_contains "$output" "user.uid"
}

@test "exec: --detach --pid-file returns at once with the process's host pid" {
	share_dir
	start_sleeper
	rt exec -d --pid-file "$TEST_TMP/exec.pid" "$ID" sh -c 'echo $$ > /shared/inner; sleep 1000'
	local pid
	pid="$(cat "$TEST_TMP/exec.pid")"
	[ -d "/proc/$pid" ]
	track_pid "$pid"
	wait_for_file "$SHARED/inner"
	# the same process, seen from inside its pid namespace
	assert_eq "$(awk '/^NSpid:/ {print $3}' "/proc/$pid/status")" "$(cat "$SHARED/inner")"
}

@test "exec: signals to the runtime reach the process" {
	share_dir
	start_sleeper
	"$RUNTIME" --root "$TEST_ROOT" exec "$ID" sh -c 'trap "exit 33" TERM; touch /shared/ready; while :; do sleep 1 & wait $!; done' </dev/null &
	local rpid=$!
	track_pid "$rpid"
	wait_for_file "$SHARED/ready"
	kill -TERM "$rpid"
	local rc=0
	wait "$rpid" || rc=$?
	assert_eq "$rc" 33 "exit status of exec"
}

@test "exec: a missing binary fails with exec's error and leaves the container running" {
	start_sleeper
	run_rt exec "$ID" /no/such/binary
	[ "$status" -ne 0 ]
	assert_eq "$(ctr_status "$ID")" running
}

@test "exec: into a stopped container fails" {
	set_args true
	start_detached
	wait_for_status "$ID" stopped
	run_rt exec "$ID" true
	[ "$status" -ne 0 ]
}

@test "exec: into a paused container needs --ignore-paused" {
	start_sleeper
	rt pause "$ID"
	run_rt exec "$ID" true
	[ "$status" -ne 0 ]
	rt resume "$ID"
	run_rt exec "$ID" true
	[ "$status" -eq 0 ]
}

@test "create --preserve-fds passes extra fds to the container" {
	share_dir
	echo from-fd-3 >"$TEST_TMP/fd3"
	set_args sh -c 'cat <&3 > /shared/got; ls /proc/self/fd > /shared/fds'
	rt run --preserve-fds 1 -b "$BUNDLE" "$ID" 3<"$TEST_TMP/fd3" </dev/null >/dev/null
	assert_eq "$(cat "$SHARED/got")" from-fd-3
}

@test "create without --preserve-fds passes no fd beyond stdio" {
	share_dir
	set_args sh -c 'ls /proc/self/fd | tr "\n" " " > /shared/fds'
	rt run -b "$BUNDLE" "$ID" 3</dev/null 4</dev/null </dev/null >/dev/null
	# 0 1 2 and the fd ls itself has open on the directory
	assert_eq "$(cat "$SHARED/fds")" "0 1 2 3 "
}

@test "create --preserve-fds passes only the fds the caller had open" {
	share_dir
	set_args sh -c 'ls /proc/self/fd | tr "\n" " " > /shared/fds'
	# fds 3.. closed: the numbers are free for the runtime's own fds (the
	# sync socket, /dev/null, the systemd driver's bus socket), which must
	# not become the container's fds 3..14
	# shellcheck disable=SC2016
	bash -c 'for fd in /proc/$$/fd/*; do fd=${fd##*/}; [ "$fd" -gt 2 ] && eval "exec $fd>&-"; done
		exec "$@"' - "$RUNTIME" --root "$TEST_ROOT" run --preserve-fds 12 -b "$BUNDLE" "$ID" </dev/null >/dev/null
	assert_eq "$(cat "$SHARED/fds")" "0 1 2 3 "
}

@test "create --no-pivot runs the container with MS_MOVE and chroot" {
	set_args sh -c 'cat /proc/self/mountinfo | awk "\$5 == \"/\"" | wc -l; ls /bin/busybox'
	run_rt run --no-pivot -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_contains "$output" "/bin/busybox"
	assert_no_leftovers
}
