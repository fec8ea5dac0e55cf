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
