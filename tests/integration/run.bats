#!/usr/bin/env bats
# `run`: exit status, output, process attributes, signal forwarding.

load helpers

@test "run: exit status 0 is returned" {
	run_ctr true
	[ "$status" -eq 0 ]
	assert_no_leftovers
}

@test "run: a non-zero exit status is returned as is" {
	run_ctr sh -c 'exit 3'
	[ "$status" -eq 3 ]
	run_ctr false
	[ "$status" -eq 1 ]
	assert_no_leftovers
}

@test "run: a process killed by a signal gives 128+N" {
	# Not a pid-namespace init: an init cannot kill itself with a signal.
	no_pidns
	run_ctr sh -c 'kill -9 $$'
	[ "$status" -eq 137 ]
	run_ctr sh -c 'kill -15 $$'
	[ "$status" -eq 143 ]
	assert_no_leftovers
}

@test "run: stdout and stderr of the container reach the caller" {
	run_ctr_sep sh -c 'echo to-stdout; echo to-stderr >&2'
	[ "$status" -eq 0 ]
	assert_eq "$output" "to-stdout" stdout
	assert_eq "$stderr" "to-stderr" stderr
}

@test "run: stdin of the caller reaches the container" {
	set_args sh -c 'read x; echo "got:$x"'
	run sh -c 'echo hello | "$0" --root "$1" run -b "$2" "$3"' "$RUNTIME" "$TEST_ROOT" "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$output" "got:hello"
}

@test "run: args are passed verbatim" {
	run_ctr sh -c 'for a in "$@"; do echo "[$a]"; done' argv0 'a b' '' '$HOME' '*'
	[ "$status" -eq 0 ]
	assert_eq "$output" "$(printf '[a b]\n[]\n[$HOME]\n[*]')"
}

@test "run: process.env is the whole environment" {
	update_config '.process.env = ["PATH=/bin", "FOO=bar baz", "EMPTY="]'
	run_ctr env
	[ "$status" -eq 0 ]
	# The environment is exactly process.env; HOME may be added (runc, crun).
	run grep -v '^HOME=' <<<"$output"
	assert_eq "$(sort <<<"$output")" "$(printf 'EMPTY=\nFOO=bar baz\nPATH=/bin')" env
}

@test "run: HOME is set from /etc/passwd when process.env lacks it" {
	update_config '.process.env = ["PATH=/bin"] | .process.user = {"uid": 1000, "gid": 1000}'
	run_ctr sh -c 'echo "$HOME"'
	[ "$status" -eq 0 ]
	assert_eq "$output" /home/user HOME
}

@test "run: process.cwd is the working directory" {
	update_config '.process.cwd = "/etc"'
	run_ctr pwd
	[ "$status" -eq 0 ]
	assert_eq "$output" /etc cwd
}

@test "run: a process.cwd missing in the rootfs is created" {
	update_config '.process.cwd = "/does/not/exist"'
	run_ctr pwd
	[ "$status" -eq 0 ]
	assert_eq "$output" /does/not/exist cwd
}

@test "run: the binary is looked up in process.env PATH" {
	mkdir -p "$BUNDLE/rootfs/opt/tools"
	printf '#!/bin/sh\necho found-me\n' >"$BUNDLE/rootfs/opt/tools/mytool"
	chmod 755 "$BUNDLE/rootfs/opt/tools/mytool"
	update_config '.process.env = ["PATH=/opt/tools:/bin"]'
	run_ctr mytool
	[ "$status" -eq 0 ]
	assert_eq "$output" found-me
}

@test "run: SIGTERM sent to the runtime is forwarded to the container" {
	share_dir
	# The trap is installed before the marker is written: an init of a pid
	# namespace only receives signals it has a handler for.
	set_args sh -c 'trap "exit 42" TERM; touch /shared/ready; while :; do sleep 1 & wait $!; done'
	# Not through rt(): $! must be the runtime itself, not a subshell.
	"$RUNTIME" --root "$TEST_ROOT" run -b "$BUNDLE" "$ID" </dev/null >"$TEST_TMP/out" 2>&1 &
	local rpid=$!
	track_pid "$rpid"
	wait_for_file "$SHARED/ready"
	wait_for_status "$ID" running
	kill -TERM "$rpid"
	wait_for_exit "$rpid"
	local rc=0
	wait "$rpid" || rc=$?
	assert_eq "$rc" 42 "exit status of run"
	assert_no_leftovers
}

@test "run -d: detaches; the container is running until killed" {
	set_args sleep 1000
	start_detached
	run rt state "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$(jq -r .status <<<"$output")" running
	local pid
	pid="$(jq -r .pid <<<"$output")"
	[ "$pid" -gt 0 ]
	[ -d "/proc/$pid" ]
	# Its root directory is the bundle's rootfs.
	assert_eq "$(stat -L -c %d:%i "/proc/$pid/root/")" "$(stat -c %d:%i "$BUNDLE/rootfs")" "root of init"

	run rt kill "$ID" KILL
	[ "$status" -eq 0 ]
	wait_for_status "$ID" stopped
	run rt delete "$ID"
	[ "$status" -eq 0 ]
	assert_no_leftovers
}

@test "run -d: output of a detached container goes to the caller's stdout" {
	set_args sh -c 'echo detached-out'
	start_detached
	wait_for_status "$ID" stopped
	assert_eq "$(cat "$TEST_TMP/$ID.out")" detached-out
	rt delete "$ID"
	assert_no_leftovers
}

@test "run --pid-file: the file holds the host pid of the container init" {
	set_args sleep 1000
	rt run -d --pid-file "$TEST_TMP/pidfile" -b "$BUNDLE" "$ID" </dev/null >/dev/null 2>&1
	[ -s "$TEST_TMP/pidfile" ]
	assert_eq "$(cat "$TEST_TMP/pidfile")" "$(ctr_pid "$ID")" "pid file"
	rt delete -f "$ID"
	assert_no_leftovers
}

@test "run: --bundle given as a relative path" {
	set_args sh -c 'echo ok'
	cd "$TEST_TMP"
	run_rt run -b bundle "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$output" ok
}

@test "run: without --bundle the current directory is the bundle" {
	set_args sh -c 'echo ok'
	cd "$BUNDLE"
	run_rt run "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$output" ok
}
