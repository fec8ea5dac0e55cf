# The scenarios docker.bats and podman.bats share: the two CLIs take the same
# words, so each scenario is written once here and each client file is a
# setup plus one @test line per scenario. A client file defines:
#
#   eng ARGS...           the client's CLI on its private storage/daemon
#   ENG_ARGV              the same as an argv array (for run_in_pty)
#   ENG_IMAGE             the busybox image it imported
#   ENG_RUN_OPTS          options every `run` needs (runtime, cgroup parent...)
#   eng_track CID         a container of this test (for teardown)
#   eng_assert_clean CID  the client holds no CID; the runtime left nothing
#   eng_rtroot            the runtime's --root for its containers
#   eng_cgroup_glob CID   a glob the container's cgroup path must match
#   ENG_MEM64             how `stats` prints a 64 MiB limit
#   ENG_UPDATE_PIDS       1 when `update` takes --pids-limit and --memory-swap
#   ENG_ERROR_WORDS       1 when the client shows the runtime's error text
#   client_on_failure     (optional) more to print when a command failed
#
# The scenario functions are named sc_*; they use $ID, $TEST_TMP, $RUNTIME.

# eng_run [RUN OPTION...] -- COMMAND...: `run --rm` named $ID.
eng_run() {
	client_split_args "$@"
	rm -f "$TEST_TMP/cid"
	client_capture eng run --rm --name "$ID" --cidfile "$TEST_TMP/cid" "${ENG_RUN_OPTS[@]}" \
		"${CLIENT_OPTS[@]}" "$ENG_IMAGE" "${CLIENT_CMD[@]}"
	[ ! -s "$TEST_TMP/cid" ] || eng_track "$(cat "$TEST_TMP/cid")"
}

# eng_start [RUN OPTION...]: a detached container $ID, its ID in $ENG_CID
# (`sleep 1000` under a shell that exits 0 on SIGTERM, so `stop` needs no
# timeout).
eng_start() {
	eng run -d --name "$ID" "${ENG_RUN_OPTS[@]}" "$@" "$ENG_IMAGE" \
		sh -c 'trap "exit 0" TERM; sleep 1000 & wait' </dev/null >"$TEST_TMP/start.out" 2>&1 || {
		cat "$TEST_TMP/start.out" >&2
		return 1
	}
	ENG_CID="$(eng inspect -f '{{.Id}}' "$ID")"
	eng_track "$ENG_CID"
	# The trap is set once the shell has started its child.
	local i
	for ((i = 0; i < POLL_TRIES; i++)); do
		[ "$(eng top "$ID" 2>/dev/null | wc -l)" -ge 3 ] && return 0
		sleep "$POLL_INTERVAL"
	done
	echo "container $ID did not start its sleep" >&2
	return 1
}

eng_state() {
	eng inspect -f '{{.State.Status}}' "$1"
}

eng_pid() {
	eng inspect -f '{{.State.Pid}}' "$1"
}

# eng_limit PID CONTROLLER V1FILE V2FILE: the value of a cgroup limit file.
eng_limit() {
	local dir
	dir="$(cgroup_dir "$1" "$2")"
	if cgroup_v1 "$2"; then cat "$dir/$3"; else cat "$dir/$4"; fi
}

sc_run_rm_output() {
	eng_run -- echo hello from "$RUNTIME_NAME"
	assert_eq "$status" 0 "exit status"
	assert_eq "$output" "hello from $RUNTIME_NAME" "output"
}

sc_run_rm_status() {
	eng_run -- sh -c 'echo to-stderr >&2; exit 3'
	assert_eq "$status" 3 "exit status"
	assert_eq "$output" "to-stderr" "output"
}

# The runtime has the container in the root the client gave it, with the
# pid and the cgroup the client asked for.
sc_run_detached() {
	eng_start
	assert_eq "$(eng_state "$ID")" running "state"
	local root pid
	root="$(eng_rtroot)"
	[ -d "$root/$ENG_CID" ]
	run -0 "$RUNTIME" --root "$root" state "$ENG_CID"
	assert_eq "$(jq -r .status <<<"$output")" running "runtime state"
	pid="$(jq -r .pid <<<"$output")"
	assert_eq "$(eng_pid "$ID")" "$pid" "the client's pid"
	# shellcheck disable=SC2053 # a glob on purpose
	[[ "$(cgroup_dir "$pid" pids)" == $(eng_cgroup_glob "$ENG_CID") ]]
	run -0 eng rm -f "$ID"
	eng_assert_clean "$ENG_CID"
}

sc_logs_wait() {
	run -0 eng run -d --name "$ID" "${ENG_RUN_OPTS[@]}" "$ENG_IMAGE" \
		sh -c 'echo out-line; echo err-line >&2; exit 9'
	local cid="$output"
	eng_track "$cid"
	run -0 eng wait "$ID"
	assert_eq "$output" 9 "wait"
	run -0 eng logs "$ID"
	assert_contains "$output" out-line
	assert_contains "$output" err-line
	run -0 eng rm "$ID"
	eng_assert_clean "$cid"
}

sc_exec() {
	eng_start
	client_capture eng exec "$ID" sh -c 'echo in-exec; exit 5'
	assert_eq "$status" 5 "exec exit status"
	assert_eq "$output" in-exec
	client_capture eng exec -e EXTRA=1 -w /tmp "$ID" sh -c 'echo "$EXTRA $PWD"'
	assert_eq "$status" 0 "exec exit status"
	assert_eq "$output" "1 /tmp"
	client_capture eng exec --user 1000:1000 "$ID" id
	assert_eq "$status" 0 "exec --user exit status"
	assert_contains "$output" "uid=1000(user) gid=1000(user)"
	# exec -d: the process runs on in the container.
	run -0 eng exec -d "$ID" sleep 999
	run -0 eng top "$ID"
	assert_contains "$output" "sleep 999"
	run -0 eng rm -f "$ID"
	eng_assert_clean "$ENG_CID"
}

sc_exec_tty() {
	eng_start
	run_in_pty "${ENG_ARGV[@]}" exec -t "$ID" sh -c '[ -t 0 ] && [ -t 1 ] && echo exec-tty; exit 6'
	assert_eq "$status" 6 "exit status"
	assert_eq "${lines[0]}" exec-tty
}

sc_top() {
	eng_start
	run -0 eng top "$ID"
	assert_contains "${lines[0]}" PID
	assert_contains "$output" "sleep 1000"
	assert_eq "${#lines[@]}" 3 "lines (header, sh, sleep)"
}

sc_pause() {
	eng_start
	run -0 eng pause "$ID"
	assert_eq "$(eng_state "$ID")" paused "state"
	if cgroup_v1 freezer; then
		assert_eq "$(cat "$(cgroup_dir "$(eng_pid "$ID")" freezer)/freezer.state")" FROZEN "freezer.state"
	fi
	# exec into a paused container is refused (by the client or the runtime).
	run ! eng exec "$ID" true
	run -0 eng unpause "$ID"
	assert_eq "$(eng_state "$ID")" running "state"
	client_capture eng exec "$ID" echo unpaused
	assert_eq "$status" 0
	assert_eq "$output" unpaused
}

sc_stop_start_kill() {
	eng_start
	run -0 eng stop "$ID"
	assert_eq "$(eng_state "$ID")" exited "state"
	assert_eq "$(eng inspect -f '{{.State.ExitCode}}' "$ID")" 0 "exit code after stop"
	# A stopped container starts again: the runtime's old state is gone.
	run -0 eng start "$ID"
	assert_eq "$(eng_state "$ID")" running "state after start"
	run -0 eng kill "$ID"
	run -0 eng wait "$ID"
	assert_eq "$output" 137 "exit status after kill"
	run -0 eng rm "$ID"
	eng_assert_clean "$ENG_CID"
}

sc_restart() {
	eng_start
	local pid1 pid2
	pid1="$(eng_pid "$ID")"
	run -0 eng restart "$ID"
	assert_eq "$(eng_state "$ID")" running "state"
	pid2="$(eng_pid "$ID")"
	[ "$pid1" != "$pid2" ]
	run -0 eng rm -f "$ID"
	eng_assert_clean "$ENG_CID"
}

sc_run_tty() {
	run_in_pty "${ENG_ARGV[@]}" run --rm -t --name "$ID" "${ENG_RUN_OPTS[@]}" \
		"$ENG_IMAGE" sh -c 'tty; [ -t 0 ] && [ -t 1 ] && echo both-tty; exit 4'
	assert_eq "$status" 4 "exit status"
	assert_eq "${lines[0]}" /dev/pts/0 "tty"
	assert_eq "${lines[1]}" both-tty
}

sc_memory() {
	requires memory
	eng_start --memory 64m
	local dir
	dir="$(cgroup_dir "$(eng_pid "$ID")" memory)"
	assert_eq "$(eng_limit "$(eng_pid "$ID")" memory memory.limit_in_bytes memory.max)" 67108864 "memory limit"
	run -0 eng rm -f "$ID"
	eng_assert_clean "$ENG_CID"
	[ ! -e "$dir" ]
}

sc_update() {
	requires memory cpu
	eng_start --memory 64m
	local pid extra=()
	[ "$ENG_UPDATE_PIDS" != 1 ] || extra=(--memory-swap 256m --pids-limit 20)
	run -0 eng update --memory 128m --cpu-shares 512 "${extra[@]}" "$ID"
	pid="$(eng_pid "$ID")"
	assert_eq "$(eng_limit "$pid" memory memory.limit_in_bytes memory.max)" 134217728 "memory limit"
	if cgroup_v1 cpu; then
		assert_eq "$(cat "$(cgroup_dir "$pid" cpu)/cpu.shares")" 512 "cpu.shares"
	fi
	if [ "$ENG_UPDATE_PIDS" = 1 ]; then
		assert_eq "$(cat "$(cgroup_dir "$pid" pids)/pids.max")" 20 "pids.max"
		assert_eq "$(eng inspect -f '{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}}' "$ID")" "134217728 20"
	fi
}

sc_pids_limit() {
	requires pids
	eng_start --pids-limit 10
	assert_eq "$(cat "$(cgroup_dir "$(eng_pid "$ID")" pids)/pids.max")" 10 "pids.max"
	# The eleventh process cannot be forked.
	client_capture eng exec "$ID" sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do sleep 100 & done; wait'
	assert_contains "$output" "an't fork"
}

sc_cap_drop_all() {
	eng_run --cap-drop ALL -- sh -c 'grep -E "^Cap(Prm|Eff|Bnd)" /proc/self/status; chown 1 /tmp'
	assert_eq "$status" 1 "exit status"
	assert_contains "$output" "CapPrm:	0000000000000000"
	assert_contains "$output" "CapEff:	0000000000000000"
	assert_contains "$output" "CapBnd:	0000000000000000"
	assert_contains "$output" "Operation not permitted"
}

sc_user() {
	eng_run --user 1000:1000 -- id
	assert_eq "$status" 0 "exit status"
	assert_eq "$output" "uid=1000(user) gid=1000(user) groups=1000(user)"
	eng_run --user nobody -- id -u
	assert_eq "$output" 65534
}

sc_read_only() {
	eng_run --read-only -- sh -c 'touch /newfile'
	assert_eq "$status" 1 "exit status"
	assert_contains "$output" "Read-only file system"
	# /dev stays writable.
	eng_run --read-only -- sh -c 'echo x >/dev/null && echo dev-ok'
	assert_eq "$output" dev-ok
}

sc_bind_volumes() {
	mkdir -p "$TEST_TMP/hostdir"
	echo host-data >"$TEST_TMP/hostdir/file"
	eng_run -v "$TEST_TMP/hostdir:/mnt/host:ro" -- sh -c 'exec 2>&1; cat /mnt/host/file; touch /mnt/host/new'
	assert_eq "$status" 1 "exit status"
	assert_eq "${lines[0]}" host-data
	assert_contains "${lines[1]}" "Read-only file system"
	[ ! -e "$TEST_TMP/hostdir/new" ]
	eng_run -v "$TEST_TMP/hostdir:/mnt/host" -- sh -c 'echo from-container >/mnt/host/new'
	assert_eq "$status" 0 "exit status"
	assert_eq "$(cat "$TEST_TMP/hostdir/new")" from-container
}

# ulimits: 1024, the client's default here (ENG_RUN_OPTS or daemon.json).
sc_env_workdir_ulimits() {
	eng_run -e FOO=bar -e 'SPACED=a b' -w /tmp -- sh -c 'echo "$FOO|$SPACED|$PWD|$(ulimit -n)|$(ulimit -u)"'
	assert_eq "$status" 0 "exit status"
	assert_eq "$output" "bar|a b|/tmp|1024|1024"
}

sc_stats() {
	requires memory
	eng_start --memory 64m
	run -0 eng stats --no-stream --format '{{.Name}} {{.MemUsage}} {{.PIDs}}' "$ID"
	assert_contains "$output" "$ID "
	assert_contains "$output" "/ $ENG_MEM64"
	[[ "$output" =~ \ 2$ ]]
}

# The client maps the runtime's error text to the exit status (127, 126):
# the text must read as runc's (Go's wording, lower case).
sc_missing_command() {
	eng_run -- /does/not/exist
	assert_eq "$status" 127 "exit status"
	assert_contains "$output" "/does/not/exist"
	[ "$ENG_ERROR_WORDS" != 1 ] || assert_contains "$output" "no such file or directory"
}

sc_command_not_in_path() {
	eng_run -- no-such-command
	assert_eq "$status" 127 "exit status"
	assert_contains "$output" "no-such-command"
	[ "$ENG_ERROR_WORDS" != 1 ] || assert_contains "$output" "executable file not found in \$PATH"
}

sc_not_executable() {
	eng_run -- /etc/passwd
	assert_eq "$status" 126 "exit status"
	assert_contains "$output" "/etc/passwd"
	[ "$ENG_ERROR_WORDS" != 1 ] || assert_contains "$output" "permission denied"
}
