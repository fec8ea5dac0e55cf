#!/usr/bin/env bats
# process.terminal: --console-socket with create/start and exec -t, the
# foreground pty proxy of run, and the log file formats.

load helpers

RECVTTY="$REPO/build/tests/recvtty"

setup() {
	setup_common
	make_bundle
	[ -x "$RECVTTY" ] || make -C "$REPO" -s helpers >/dev/null
}

teardown() {
	teardown_common
}

# recv_console SOCKET OUTFILE [INPUT]: a receiver in the background.
recv_console() {
	"$RECVTTY" "$1" "${3:-}" >"$2" 2>&1 &
	track_pid $!
	RECV_PID=$!
	wait_for_file "$1"
}

@test "terminal: create --console-socket gives the container a pty as its stdio and controlling terminal" {
	update_config '.process.terminal = true | .process.consoleSize = {"height": 40, "width": 132}'
	set_args sh -c 'tty; stty size; ls -l /dev/console; echo done'
	recv_console "$TEST_TMP/console.sock" "$TEST_TMP/console.out"
	rt create -b "$BUNDLE" --console-socket "$TEST_TMP/console.sock" "$ID" </dev/null
	rt start "$ID"
	wait "$RECV_PID"
	run cat "$TEST_TMP/console.out"
	assert_contains "$output" "/dev/pts/0"
	assert_contains "$output" "40 132"
	# /dev/console is the same pty (major 136)
	assert_contains "$output" "136,"
	assert_contains "$output" "done"
}

@test "terminal: input written to the console reaches the container" {
	update_config '.process.terminal = true'
	set_args sh -c 'read line; echo "got:$line"'
	recv_console "$TEST_TMP/console.sock" "$TEST_TMP/console.out" $'hello-tty\n'
	rt create -b "$BUNDLE" --console-socket "$TEST_TMP/console.sock" "$ID" </dev/null
	rt start "$ID"
	wait "$RECV_PID"
	run cat "$TEST_TMP/console.out"
	assert_contains "$output" "got:hello-tty"
}

@test "terminal: exec -t --console-socket -d gives the new process a pty" {
	set_args sleep 1000
	start_detached
	recv_console "$TEST_TMP/exec.sock" "$TEST_TMP/exec.out"
	rt exec -t -d --console-socket "$TEST_TMP/exec.sock" "$ID" sh -c 'tty; echo exec-done' </dev/null
	wait "$RECV_PID"
	run cat "$TEST_TMP/exec.out"
	assert_contains "$output" "/dev/pts/"
	assert_contains "$output" "exec-done"
}

@test "terminal: create with terminal true but no console socket is refused and leaves nothing" {
	requires_ocirun
	update_config '.process.terminal = true'
	run_rt create -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	assert_contains "$output" "console-socket"
	assert_no_leftovers
}

@test "terminal: a foreground run proxies the pty to the caller and returns the exit code" {
	command -v script >/dev/null || skip "script (bsdutils) is not installed"
	update_config '.process.terminal = true'
	set_args sh -c 'tty; exit 7'
	local rc=0
	script -qec "$RUNTIME --root $TEST_ROOT run -b $BUNDLE $ID" "$TEST_TMP/typescript" </dev/null >"$TEST_TMP/out" 2>&1 || rc=$?
	assert_eq "$rc" 7 "exit status through the pty"
	assert_contains "$(cat "$TEST_TMP/out")" "/dev/pts/0"
	assert_no_leftovers
}

# under_tty CMD...: CMD with a pty from script(1) as its stdin and controlling
# terminal; its own stdout and stderr stay files the test reads. script's
# input is a fifo that never ends (at EOF script would type a NUL into it).
under_tty() {
	command -v script >/dev/null || skip "script (bsdutils) is not installed"
	local q
	q="$(printf '%q ' "$@")"
	[ -p "$TEST_TMP/tty.in" ] || mkfifo "$TEST_TMP/tty.in"
	script -qec "$q >$TEST_TMP/out 2>$TEST_TMP/err" /dev/null <>"$TEST_TMP/tty.in" >/dev/null 2>&1
}

@test "terminal: a foreground run turns ONLCR off (lines end in \n, not \r\n), as runc" {
	update_config '.process.terminal = true'
	set_args sh -c 'printf "one\ntwo\n"'
	under_tty "$RUNTIME" --root "$TEST_ROOT" run -b "$BUNDLE" "$ID"
	assert_eq "$(od -An -c "$TEST_TMP/out" | tr -s ' ')" " o n e \n t w o \n" "bytes the caller got"
	assert_no_leftovers
}

@test "terminal: a foreground exec -t turns ONLCR off too" {
	set_args sleep 1000
	start_detached
	under_tty "$RUNTIME" --root "$TEST_ROOT" exec -t "$ID" sh -c 'printf "one\ntwo\n"'
	assert_eq "$(od -An -c "$TEST_TMP/out" | tr -s ' ')" " o n e \n t w o \n" "bytes the caller got"
}

@test "terminal: the pty belongs to process.user.uid (group from devpts: tty), in run and exec -t" {
	update_config '.process.terminal = true | .process.user.uid = 1000 | .process.user.gid = 100'
	set_args sh -c 'stat -c %u:%g $(tty)'
	under_tty "$RUNTIME" --root "$TEST_ROOT" run -b "$BUNDLE" "$ID"
	assert_eq "$(tr -d '\r' <"$TEST_TMP/out")" "1000:5" "run: owner of the pty"
	update_config '.process.terminal = false | .process.args = ["sleep", "1000"]'
	start_detached
	# several times: the process's frames must not overtake the intermediate's PID
	for _ in 1 2 3 4 5; do
		under_tty "$RUNTIME" --root "$TEST_ROOT" exec -t "$ID" sh -c 'stat -c %u:%g $(tty)'
		assert_eq "$(tr -d '\r' <"$TEST_TMP/out")" "1000:5" "exec -t: owner of the pty ($(cat "$TEST_TMP/err"))"
	done
}

@test "log: --log-format json writes runc's error lines" {
	run_rt --log "$TEST_TMP/log.json" --log-format json state "no-such-$ID"
	[ "$status" -ne 0 ]
	run jq -r 'select(.level == "error") | .msg' "$TEST_TMP/log.json"
	[ "$status" -eq 0 ]
	[ -n "$output" ]
	run jq -r '.time' "$TEST_TMP/log.json"
	[[ "$output" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T ]]
}

@test "log: --log-format text writes logfmt lines" {
	requires_ocirun
	run_rt --log "$TEST_TMP/log.txt" state "no-such-$ID"
	[ "$status" -ne 0 ]
	run cat "$TEST_TMP/log.txt"
	assert_contains "$output" 'level=error msg="container'
}

@test "terminal: a read-only /dev still gets /dev/console, and is read-only in the end" {
	update_config '.process.terminal = true
		| .mounts |= map(if .destination == "/dev" then .options += ["ro"] else . end)'
	set_args sh -c 'ls -l /dev/console; touch /dev/x 2>&1; echo done'
	recv_console "$TEST_TMP/console.sock" "$TEST_TMP/console.out"
	rt run -d -b "$BUNDLE" --console-socket "$TEST_TMP/console.sock" "$ID" </dev/null
	wait "$RECV_PID"
	run cat "$TEST_TMP/console.out"
	assert_contains "$output" "136,"
	assert_contains "$output" "Read-only file system"
	assert_contains "$output" "done"
}

@test "terminal: a container without a mount namespace still gets a pty" {
	update_config '.process.terminal = true
		| .linux.namespaces -= [{"type": "mount"}]
		| .linux.maskedPaths = [] | .linux.readonlyPaths = []'
	set_args echo in-the-host-mount-namespace
	recv_console "$TEST_TMP/console.sock" "$TEST_TMP/console.out"
	run_rt create -b "$BUNDLE" --console-socket "$TEST_TMP/console.sock" "$ID"
	[ "$status" -eq 0 ]
	rt start "$ID"
	wait "$RECV_PID"
	run cat "$TEST_TMP/console.out"
	assert_contains "$output" "in-the-host-mount-namespace"
}
