#!/usr/bin/env bats
# The six OCI hooks: when and where each runs, what it gets on stdin, and
# what a failure or a timeout does.

load helpers

setup() {
	setup_common
	make_bundle
	LOG="$TEST_TMP/hooks.log"
	: >"$LOG"
	# a hook script on the host: logs its kind, the state it got, its
	# namespaces, then exits with $HOOK_RC (default 0)
	HOOK="$TEST_TMP/hook.sh"
	cat >"$HOOK" <<'SH'
#!/bin/sh
state=$(cat)
status=$(printf '%s' "$state" | jq -r .status)
pid=$(printf '%s' "$state" | jq -r .pid)
echo "$1 status=$status pid=$pid mnt=$(readlink /proc/self/ns/mnt) root=$(stat -c %i /)" >>"$HOOK_LOG"
[ -z "$HOOK_SLEEP" ] || sleep "$HOOK_SLEEP"
exit "${HOOK_RC:-0}"
SH
	chmod 755 "$HOOK"
}

teardown() {
	teardown_common
}

# add_hook KIND NAME [ENV...]
add_hook() {
	local kind="$1" name="$2" env
	shift 2
	env="$(jq -n '$ARGS.positional' --args -- "HOOK_LOG=$LOG" "PATH=/usr/sbin:/usr/bin:/sbin:/bin" "$@")"
	update_config '.hooks[$k] += [{"path": $p, "args": ["hook.sh", $n], "env": $e}]' \
		--arg k "$kind" --arg p "$HOOK" --arg n "$name" --argjson e "$env"
}

# startContainer's path resolves in the container (config.md): a shell
# inside it appends to the same log through a bind mount.
add_start_hook() {
	share_dir
	: >"$SHARED/hooks.log"
	LOG="$SHARED/hooks.log"
	update_config '.hooks.startContainer += [{"path": "/bin/sh",
		"args": ["sh", "-c", "echo startContainer status=$(cat | grep -o \"status\\\":\\\"[a-z]*\" | cut -d\\\" -f3) mnt=$(readlink /proc/self/ns/mnt) >> /shared/hooks.log"]}]'
}

@test "hooks: all six kinds run once, in the order of runtime.md, with the state on stdin" {
	runc_gap "start returns before the exec, so poststart runs before startContainer"
	add_start_hook
	for k in prestart createRuntime createContainer poststart poststop; do
		add_hook "$k" "$k"
	done
	set_args true
	rt create -b "$BUNDLE" "$ID" </dev/null >/dev/null
	rt start "$ID"
	wait_for_status "$ID" stopped
	rt delete "$ID"
	run cut -d' ' -f1 "$LOG"
	assert_eq "$(echo $output)" "prestart createRuntime createContainer startContainer poststart poststop"
	# statuses as runtime.md gives them
	assert_contains "$(cat "$LOG")" "prestart status=creating"
	assert_contains "$(cat "$LOG")" "createRuntime status=creating"
	assert_contains "$(cat "$LOG")" "poststop status=stopped"
	assert_contains "$(cat "$LOG")" "startContainer status=created"
	# the pid in the state is the init's (non-zero before it stops)
	run awk '/^createRuntime/ {print $3}' "$LOG"
	[ "$output" != "pid=0" ]
	assert_no_leftovers
}

@test "hooks: prestart and createRuntime run in the runtime's namespaces, createContainer and startContainer in the container's" {
	add_start_hook
	for k in createRuntime createContainer; do
		add_hook "$k" "$k"
	done
	run_ctr true
	[ "$status" -eq 0 ]
	local host_mnt
	host_mnt="$(readlink /proc/self/ns/mnt)"
	run grep '^createRuntime' "$LOG"
	assert_contains "$output" "mnt=$host_mnt"
	run grep '^createContainer' "$LOG"
	assert_not_contains "$output" "mnt=$host_mnt"
	run grep '^startContainer' "$LOG"
	assert_not_contains "$output" "mnt=$host_mnt"
}

@test "hooks: a createContainer hook runs in the container's root directory" {
	update_config '.hooks.createContainer += [{"path": "/bin/sh", "args": ["sh", "-c", "pwd > ./hook-cwd"]}]'
	run_ctr true
	[ "$status" -eq 0 ]
	# a relative path in the hook named a file of the rootfs
	[ -f "$BUNDLE/rootfs/hook-cwd" ]
	assert_eq "$(cat "$BUNDLE/rootfs/hook-cwd")" "$(cd "$BUNDLE/rootfs" && pwd -P)"
}

@test "hooks: a failing prestart hook fails create and leaves nothing" {
	add_hook prestart bad HOOK_RC=3
	run_rt create -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	if [ "$RUNTIME_NAME" != runc ]; then
		assert_contains "$output" "prestart"
		[ "${#lines[@]}" -eq 1 ]
	fi
	assert_no_leftovers
}

@test "hooks: a failing createContainer hook fails create and leaves nothing" {
	add_hook createContainer bad HOOK_RC=4
	run_rt create -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	assert_no_leftovers
}

@test "hooks: a failing poststart hook is only a warning" {
	requires_ocirun
	add_hook poststart bad HOOK_RC=5
	run_ctr true
	[ "$status" -eq 0 ]
	assert_contains "$output" "warning"
	assert_contains "$output" "poststart"
}

@test "hooks: a failing poststop hook is only a warning and delete still removes everything" {
	requires_ocirun
	add_hook poststop bad HOOK_RC=6
	set_args true
	rt create -b "$BUNDLE" "$ID" </dev/null >/dev/null
	rt start "$ID"
	wait_for_status "$ID" stopped
	run_rt delete "$ID"
	[ "$status" -eq 0 ]
	assert_contains "$output" "poststop"
	assert_no_leftovers
}

@test "hooks: kill, start and delete use the config create read, not the bundle's later one" {
	# Issue 17: runc keeps what create used. A bundle edited, then removed, after create must
	# neither stop delete nor change the hooks it runs.
	add_hook poststart started
	add_hook poststop original
	set_args sleep 100
	rt create -b "$BUNDLE" "$ID" </dev/null >/dev/null
	update_config '.hooks.poststart = [] | .hooks.poststop[0].args[1] = "edited"'
	rt start "$ID"
	rm "$BUNDLE/config.json"
	rt kill "$ID" KILL
	wait_for_status "$ID" stopped
	run_rt delete "$ID"
	[ "$status" -eq 0 ]
	run cut -d' ' -f1 "$LOG"
	assert_eq "$(echo $output)" "started original"
	assert_no_leftovers
}

@test "hooks: a hook past its timeout is killed and the create fails cleanly" {
	add_hook prestart slow HOOK_SLEEP=100
	update_config '.hooks.prestart[0].timeout = 1'
	run_rt create -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	if [ "$RUNTIME_NAME" != runc ]; then
		assert_contains "$output" "timeout"
	fi
	# the hook's own child (its sleep) is gone too
	run pgrep -f "^sleep 100$"
	if [ "$RUNTIME_NAME" != runc ]; then
		[ "$status" -ne 0 ]
	fi
	assert_no_leftovers
}

@test "hooks: args and env reach the hook exactly as configured" {
	update_config '.hooks.prestart = [{"path": "/bin/sh", "args": ["sh", "-c", "echo \"$0|$1|$FOO\" > \"$OUT\"", "zero", "one"],
		"env": ["FOO=bar", $out]}]' --arg out "OUT=$TEST_TMP/args.out"
	run_ctr true
	[ "$status" -eq 0 ]
	assert_eq "$(cat "$TEST_TMP/args.out")" "zero|one|bar"
}

@test "hooks: a hook killed by a signal is named with the signal, in Go's (runc's) words" {
	requires_ocirun
	update_config '.hooks = {"createRuntime": [{"path": "/bin/sh", "args": ["sh", "-c", "kill -SYS $$"]}]}'
	run_ctr true
	[ "$status" -ne 0 ]
	assert_contains "$output" 'error running createRuntime hook #0: "/bin/sh": killed by signal 31 (bad system call)'
	assert_no_leftovers
}

@test "hooks: startContainer hooks run under the container's seccomp filter" {
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
			"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}
		| .hooks = {"startContainer": [{"path": "/bin/sh", "args": ["sh", "-c", "mkdir /tmp/from-hook"]}]}'
	run_ctr true
	[ "$status" -ne 0 ]
	[ ! -e "$BUNDLE/rootfs/tmp/from-hook" ]
	assert_contains "$output" startContainer
	assert_no_leftovers
}
