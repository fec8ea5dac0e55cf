#!/usr/bin/env bats
# What runc's own integration suite (and the clients that parse runc's output)
# rely on beyond the runtime-spec: error wording, exit codes, environment and
# working directory details. Each test names the runc behaviour it guards.

load helpers

# a script whose interpreter does not exist: the lookup finds it, execve fails
bad_interpreter_script() {
	printf '#!/mmnnttbb foo bar\nsh\n' >"$BUNDLE/rootfs/run.sh"
	chmod +x "$BUNDLE/rootfs/run.sh"
}

@test "runc compat: exec exits 255 when exec itself fails (missing binary, container or pid-file dir)" {
	set_args sleep 1000
	start_detached
	run_rt exec "$ID" no-such-binary
	assert_eq "$status" 255 "exec of a missing binary"
	assert_contains "${output//\\/}" 'exec: "no-such-binary": executable file not found in $PATH'
	run_rt exec "no-such-$ID" true
	assert_eq "$status" 255 "exec in a missing container"
	run_rt exec --pid-file "$TEST_TMP/no/such/dir/pid" "$ID" true
	assert_eq "$status" 255 "exec with an unwritable pid file"
	# the process's own status is still the runtime's
	run_rt exec "$ID" sh -c 'exit 42'
	assert_eq "$status" 42 "exit status of the process"
}

@test "runc compat: a failed execve in run is the program's failure: Go's wording, one line" {
	bad_interpreter_script
	set_args /run.sh
	run_rt run -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	assert_eq "${#lines[@]}" 1 "lines of output ($output)"
	assert_eq "${lines[0]}" "exec /run.sh: no such file or directory"
	assert_no_leftovers
}

@test "runc compat: a failed execve in exec says so in Go's wording, in one line" {
	bad_interpreter_script
	set_args sleep 1000
	start_detached
	run_rt exec "$ID" /run.sh
	[ "$status" -ne 0 ]
	assert_eq "${#lines[@]}" 1 "lines of output ($output)"
	assert_contains "${lines[0]}" "exec /run.sh: no such file or directory"
	assert_eq "$(ctr_status "$ID")" running
}

# create_says ARG WANT: create with process.args [ARG] fails, says WANT, leaves nothing
create_says() {
	set_args "$1"
	run_rt create -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	# (runc's log lines escape the quotes)
	assert_contains "${output//\\/}" "$2"
	assert_no_leftovers
}

@test "runc compat: args[0] that cannot run is named with exec.LookPath's words (podman maps them to 127/126)" {
	create_says /no/such/file 'exec: "/no/such/file": stat /no/such/file: no such file or directory'
	create_says /etc/passwd 'exec: "/etc/passwd": permission denied'
	create_says no-such-program 'exec: "no-such-program": executable file not found in $PATH'
}

@test "runc compat: args[0] that is a directory: 'is a directory', as the LookPath of the Go runc 1.5 is built with" {
	runc_gap "built with Go 1.19, whose LookPath says 'permission denied'"
	mkdir "$BUNDLE/rootfs/adir"
	create_says /adir 'exec: "/adir": is a directory'
}

@test "runc compat: a failing hook is reported as 'error running KIND hook #N:'" {
	runc_gap "says 'error running hook #1:' (runc 1.5 names the kind)"
	local kind
	for kind in prestart createRuntime createContainer; do
		update_config '.hooks = {($k): [{"path": "/bin/true"}, {"path": "/bin/false"}]}' --arg k "$kind"
		run_rt create -b "$BUNDLE" "$ID"
		[ "$status" -ne 0 ]
		assert_contains "$output" "error running $kind hook #1:"
		assert_no_leftovers
	done
	update_config '.hooks = {"startContainer": [{"path": "/bin/true"}, {"path": "/bin/false"}]}'
	run_rt run -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	assert_contains "$output" "error running startContainer hook #1:"
	assert_no_leftovers
}

@test "runc compat: the warning of a failing poststop hook names it once, by its own index" {
	requires_ocirun
	update_config '.hooks = {"poststop": [{"path": "/bin/true"}, {"path": "/bin/false"}]}'
	run_rt run -b "$BUNDLE" "$ID"
	assert_eq "$status" 0 "exit status of run"
	assert_contains "$output" 'error running poststop hook #1: "/bin/false": exit status 1'
	assert_not_contains "$output" "hook #0"
	assert_no_leftovers
}

@test "runc compat: a startContainer hook without env gets the process's environment" {
	cat >"$BUNDLE/rootfs/check-env.sh" <<-'EOF'
		#!/bin/sh -ue
		test "$ONE" = two
		test "$FOO" = bar
		echo "$HOME"
	EOF
	chmod +x "$BUNDLE/rootfs/check-env.sh"
	update_config '.process.env = ["PATH=/bin", "ONE=two", "FOO=bar"]
		| .hooks = {"startContainer": [{"path": "/check-env.sh"}]}'
	run_rt run -b "$BUNDLE" "$ID"
	assert_eq "$status" 0 "exit status of run ($output)"
	assert_no_leftovers
}

@test "runc compat: a program only its owner may execute runs as another uid with CAP_DAC_OVERRIDE" {
	chown 0:0 "$BUNDLE/rootfs/bin/busybox"
	chmod 0744 "$BUNDLE/rootfs/bin/busybox"
	update_config '.process.user = {"uid": 1000, "gid": 100}'
	set_args /bin/echo hello
	run_rt run -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	update_config '.process.capabilities[] += ["CAP_DAC_OVERRIDE"]'
	run_rt run -b "$BUNDLE" "$ID"
	assert_eq "$status" 0 "exit status with CAP_DAC_OVERRIDE ($output)"
	assert_eq "$output" hello
	assert_no_leftovers
}

@test "runc compat: process.env has one entry per name, the last one wins" {
	update_config '.process.env = ["ONE=two", "PATH=/usr/bin:/bin", "ONE=", "TWO=2", "ONE=three"]'
	set_args env
	run_rt run -b "$BUNDLE" "$ID"
	assert_eq "$status" 0 "exit status ($output)"
	# (the order is not asserted: runc 1.1.5 keeps the first entries' places, 1.5 the last ones')
	assert_eq "$(printf '%s\n' "${lines[@]}" | sort | tr '\n' ' ')" "HOME=/root ONE=three PATH=/usr/bin:/bin TWO=2 " "environment"
}

@test "runc compat: HOME absent or empty (also after a non-empty one) comes from /etc/passwd" {
	local env want
	for env in '[]' '["HOME="]' '["HOME=/override", "HOME="]' '["HOME=/override"]'; do
		want=/root
		[ "$env" != '["HOME=/override"]' ] || want=/override
		update_config '.process.env = ["PATH=/bin"] + $e' --argjson e "$env"
		set_args sh -c 'echo "$HOME"; env | grep -c ^HOME='
		run_rt run -b "$BUNDLE" "$ID"
		assert_eq "$status" 0 "exit status ($output)"
		assert_eq "${lines[0]}" "$want" "HOME with env $env"
		assert_eq "${lines[1]}" 1 "HOME entries with env $env"
	done
	update_config '.process.env = ["PATH=/bin"] | .process.user.uid = 1000'
	run_rt run -b "$BUNDLE" "$ID"
	assert_eq "${lines[0]}" /home/user "HOME of uid 1000"
}

@test "runc compat: exec --env PATH=... overrides the config's PATH, for the lookup too" {
	mkdir -p "$BUNDLE/rootfs/custom"
	printf '#!/bin/sh\necho "custom $PATH"\n' >"$BUNDLE/rootfs/custom/hello"
	chmod +x "$BUNDLE/rootfs/custom/hello"
	update_config '.process.env = ["PATH=/usr/bin:/bin"]'
	set_args sleep 1000
	start_detached
	run_rt exec --env PATH=/custom:/bin "$ID" hello
	assert_eq "$status" 0 "exit status ($output)"
	assert_eq "$output" "custom /custom:/bin"
	run_rt exec --env PATH=/custom:/bin "$ID" sh -c 'env | grep -c ^PATH='
	assert_eq "$output" 1 "PATH entries"
}

@test "runc compat: an entry of process.env without '=' is refused, naming it" {
	update_config '.process.env += ["NOEQUALS"]'
	run_rt create -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	assert_contains "$output" NOEQUALS
	assert_no_leftovers
}

@test "runc compat: the cwd is entered while still privileged: a cwd the user cannot enter works" {
	chmod 700 "$BUNDLE/rootfs/root"
	update_config '.process.cwd = "/root" | .process.user.uid = 42'
	set_args sh -c 'pwd; ls /root >/dev/null 2>&1 || echo no-read'
	run_rt run -b "$BUNDLE" "$ID"
	assert_eq "$status" 0 "exit status ($output)"
	assert_eq "${lines[0]}" /root "cwd"
	assert_eq "${lines[1]}" no-read "the user still cannot read it"
}

@test "runc compat: exec --user 0 into a cwd owned by another uid with mode 700 works without CAP_DAC_OVERRIDE" {
	chown 42 "$BUNDLE/rootfs/root"
	chmod 700 "$BUNDLE/rootfs/root"
	update_config '.process.cwd = "/root" | .process.user.uid = 42'
	set_args sleep 1000
	start_detached
	run_rt exec --user 0 "$ID" pwd
	assert_eq "$status" 0 "exit status ($output)"
	assert_eq "$output" /root
}

@test "runc compat: kill takes signal 0 (is it running?); kill --all of a stopped container is no error" {
	set_args sleep 1000
	start_detached
	run_rt kill "$ID" 0
	assert_eq "$status" 0 "kill 0 of a running container ($output)"
	assert_eq "$(ctr_status "$ID")" running
	run_rt kill "$ID" KILL
	wait_for_status "$ID" stopped
	run_rt kill "$ID" 0
	[ "$status" -ne 0 ]
	assert_contains "$output" "container not running"
	run_rt kill --all "$ID" 0
	assert_eq "$status" 0 "kill --all 0 of a stopped container ($output)"
}

# sleeps_of_ctr: the pids of the container's sleep processes (its rootfs is theirs)
sleeps_of_ctr() {
	local p
	for p in $(_procs_in "$BUNDLE/rootfs"); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = sleep ] && echo "$p"
	done
}

@test "runc compat: kill KILL without a pid namespace of its own kills every process, init gone or not" {
	requires root
	runc_gap "kill KILL signals the init only (runc 1.2 and later: every process)"
	no_pidns
	set_args sleep 1000
	local gone p pids i
	for gone in no yes; do
		start_detached
		rt exec -d "$ID" sleep 1001
		rt exec -d "$ID" sleep 1002
		for ((i = 0; i < POLL_TRIES; i++)); do
			[ "$(sleeps_of_ctr | wc -l)" -ge 3 ] && break
			sleep "$POLL_INTERVAL"
		done
		pids="$(sleeps_of_ctr | xargs)"
		assert_eq "$(wc -w <<<"$pids")" 3 "sleeps in the container"
		if [ "$gone" = yes ]; then
			kill -KILL "$(ctr_pid "$ID")"
			wait_for_status "$ID" stopped
		fi
		run_rt kill "$ID" KILL
		assert_eq "$status" 0 "kill KILL (init gone: $gone) ($output)"
		for p in $pids; do
			wait_for_exit "$p"
		done
		rt delete -f "$ID"
	done
	assert_no_leftovers
}

@test "runc compat: lo is up in a network namespace the container made" {
	set_args cat /sys/class/net/lo/flags
	run_rt run -b "$BUNDLE" "$ID"
	assert_eq "$status" 0 "exit status ($output)"
	# IFF_UP is bit 0
	(( output & 1 )) || { echo "lo flags: $output" >&2; return 1; }
}

@test "runc compat: the sysctl kernel.hostname is refused: the hostname field says it" {
	update_config '.linux.sysctl = {"kernel.hostname": "other"} | .hostname = "mine"'
	run_rt create -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	assert_contains "$output" kernel.hostname
	assert_no_leftovers
}
