#!/usr/bin/env bats
# Bad input outside the fields of config.json (those are badconfig.bats'
# table): a missing, truncated or non-JSON config.json, a missing rootfs or
# bind source, bad IDs, signals and containers, a program that does not exist,
# a second create of one ID; and the warnings (not errors) for capabilities.
# Each error is a non-zero exit with a message on stderr and leaves nothing
# behind. ocirun's own wording (one line naming the file and the field) is
# checked only when ocirun is under test.

load helpers

# create_fails [ID]: `create` must fail with a message on stderr (kept in
# $stderr) and leave no container, state dir, cgroup, mount or process
# behind. Output goes to files, not pipes: should create wrongly succeed,
# the container must not hold the test's pipes open.
create_fails() {
	local id="$ID"
	[ $# -eq 0 ] || id="$1"
	status=0
	rt create -b "$BUNDLE" "$id" </dev/null >"$TEST_TMP/create.out" 2>"$TEST_TMP/create.err" || status=$?
	stderr="$(cat "$TEST_TMP/create.err")"
	if [ "$status" -eq 0 ]; then
		echo "create '$id' succeeded; expected a failure" >&2
		return 1
	fi
	[ -n "$stderr" ] || {
		echo "no message on stderr" >&2
		return 1
	}
	assert_eq "$(rt list -q)" "" "containers after the failed create"
	case "$id" in
	"" | . | .. | */*)
		# Not a name in the state root: nothing at all may appear there.
		assert_eq "$(ls -A "$TEST_ROOT")" "" "state root"
		[ -z "$(_mounts_under "$BUNDLE")" ]
		[ -z "$(_procs_in "$BUNDLE/rootfs")" ]
		;;
	*) assert_no_leftovers "$id" ;;
	esac
}

# ocirun_error NEEDLE...: (ocirun only) stderr is one line holding each NEEDLE.
ocirun_error() {
	requires_ocirun
	local n
	n="$(grep -c . <<<"$stderr")"
	assert_eq "$n" 1 "lines on stderr ($stderr)"
	for n in "$@"; do
		assert_contains "$stderr" "$n"
	done
}

@test "errors: missing config.json" {
	rm "$BUNDLE/config.json"
	create_fails
	ocirun_error config.json
}

@test "errors: truncated config.json" {
	head -c 200 "$BUNDLE/config.json" >"$TEST_TMP/cut"
	mv "$TEST_TMP/cut" "$BUNDLE/config.json"
	create_fails
	ocirun_error config.json
}

@test "errors: config.json that is not JSON" {
	echo 'this is not json' >"$BUNDLE/config.json"
	create_fails
	ocirun_error config.json
}

@test "errors: an unknown capability is named" {
	update_config '.process.capabilities.bounding += ["CAP_NO_SUCH_THING"]'
	# runc 1.1.5 follows runtime-spec 1.1 here (warn, do not fail); the
	# name must appear on stderr either way.
	run_ctr_sep
	assert_contains "$stderr" CAP_NO_SUCH_THING
}

@test "errors: an unknown capability is ignored with a warning, as runtime-spec and runc say" {
	requires_ocirun
	local known
	known="$(config_cap_mask bounding)"
	update_config '.process.capabilities.bounding += ["CAP_NO_SUCH_THING"]'
	run_ctr_sep sh -c 'grep CapBnd /proc/self/status'
	[ "$status" -eq 0 ]
	assert_contains "$stderr" 'process.capabilities.bounding: ignoring unknown capability "CAP_NO_SUCH_THING"'
	# the known ones are there
	assert_eq "$output" "CapBnd:	$known"
}

@test "errors: an ambient capability that is not inheritable is skipped with runc's warning" {
	requires_ocirun
	update_config '.process.capabilities.inheritable = ["CAP_KILL"]
		| .process.capabilities.ambient = ["CAP_KILL", "CAP_CHOWN"]'
	run_ctr_sep sh -c 'grep CapAmb /proc/self/status'
	[ "$status" -eq 0 ]
	assert_contains "$stderr" "can't raise ambient capability CAP_CHOWN: "
	assert_not_contains "$stderr" "CAP_KILL"
	assert_eq "$output" "CapAmb:	$(cap_mask CAP_KILL)"
}

@test "errors: a missing rootfs" {
	update_config '.root.path = "no-such-rootfs"'
	create_fails
	assert_contains "$stderr" no-such-rootfs
	ocirun_error no-such-rootfs
}

@test "errors: a missing bind-mount source" {
	add_bind "$TEST_TMP/no-such-source" /mnt/x rbind
	create_fails
	assert_contains "$stderr" "$TEST_TMP/no-such-source"
	ocirun_error "$TEST_TMP/no-such-source" /mnt/x
}

@test "errors: an ID with a slash" {
	create_fails "a/b"
	create_fails "../escape-$ID"
	# Nothing was created next to the state root either.
	[ ! -e "$TEST_TMP/escape-$ID" ]
	ocirun_error "container ID"
}

@test "errors: an empty ID" {
	create_fails ""
}

@test "errors: IDs . and .." {
	create_fails .
	create_fails ..
}

@test "errors: kill with an unknown signal" {
	set_args sleep 1000
	start_detached
	run --separate-stderr rt kill "$ID" SIGNOPE
	[ "$status" -ne 0 ]
	assert_contains "$stderr" SIGNOPE
	assert_eq "$(ctr_status "$ID")" running
	ocirun_error SIGNOPE
}

@test "errors: commands on an unknown container fail" {
	local cmd
	for cmd in state start kill delete; do
		run --separate-stderr rt "$cmd" "no-such-$ID"
		[ "$status" -ne 0 ] || {
			echo "$cmd of an unknown container succeeded" >&2
			return 1
		}
		[ -n "$stderr" ]
	done
}

@test "errors: --log with --log-format json writes JSON error lines" {
	update_config '.root.path = "no-such-rootfs"'
	run_rt --log "$TEST_TMP/log.json" --log-format json create -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[ -s "$TEST_TMP/log.json" ]
	assert_json_lines "$TEST_TMP/log.json"
	# At least one error entry, with a msg naming the problem.
	local errs
	errs="$(jq -c 'select(.level == "error")' "$TEST_TMP/log.json")"
	[ -n "$errs" ] || {
		cat "$TEST_TMP/log.json" >&2
		return 1
	}
	jq -e 'select(.level == "error") | .msg | type == "string"' "$TEST_TMP/log.json" >/dev/null
	assert_contains "$errs" no-such-rootfs
	assert_no_leftovers
}

@test "errors: a program that does not exist" {
	set_args /bin/no-such-program
	run_rt --separate-stderr create -b "$BUNDLE" "$ID"
	if [ "$status" -eq 0 ]; then
		# Failing at start is allowed too; then start must fail.
		run_rt --separate-stderr start "$ID"
		[ "$status" -ne 0 ]
		rt delete -f "$ID"
	fi
	assert_contains "$stderr" /bin/no-such-program
	assert_no_leftovers
	run rt list -q
	assert_eq "$output" "" "containers left"
}

@test "errors: run of a program that does not exist" {
	set_args no-such-program
	run_ctr_sep
	[ "$status" -ne 0 ]
	assert_contains "$stderr" no-such-program
	assert_no_leftovers
}

@test "errors: a second create on the same ID leaves the first untouched" {
	set_args sleep 1000
	create_ctr
	local before
	before="$(rt state "$ID")"
	run_rt --separate-stderr create -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[ -n "$stderr" ]
	assert_eq "$(rt state "$ID")" "$before" state
}

@test "errors: a bundle that does not exist" {
	run_rt --separate-stderr create -b "$TEST_TMP/no-such-bundle" "$ID"
	[ "$status" -ne 0 ]
	[ -n "$stderr" ]
	assert_no_leftovers
}
