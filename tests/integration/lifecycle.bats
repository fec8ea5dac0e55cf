#!/usr/bin/env bats
# create / start / state / list / kill / delete, and the spec / version / help commands.

load helpers

# A container that has a TERM handler installed once /shared/<id>.ready exists;
# it exits 0 on TERM.
trap_term_args() {
	set_args sh -c 'trap "exit 0" TERM; touch "/shared/$0.ready"; while :; do sleep 1 & wait $!; done' "$1"
}

RFC3339='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$'

@test "lifecycle: create does not run the program; start does" {
	share_dir
	set_args sh -c 'touch /shared/ran; exec sleep 1000'
	create_ctr
	run rt state "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$(jq -r .status <<<"$output")" created status
	local pid
	pid="$(jq -r .pid <<<"$output")"
	[ "$pid" -gt 0 ]
	[ -d "/proc/$pid" ]
	# The init waits in its namespaces, before exec.
	[ "$(readlink "/proc/$pid/ns/pid")" != "$(readlink /proc/self/ns/pid)" ]
	[ ! -e "$SHARED/ran" ]

	run rt start "$ID"
	[ "$status" -eq 0 ]
	wait_for_file "$SHARED/ran"
	wait_for_status "$ID" running
	assert_eq "$(ctr_pid "$ID")" "$pid" "pid after start"
}

@test "lifecycle: a created init holds neither the caller's extra fds nor state files but exec.fifo" {
	set_args true
	rt create -b "$BUNDLE" "$ID" </dev/null >"$TEST_TMP/out" 2>&1 7>"$TEST_TMP/caller-fd"
	local pid link target bad=""
	pid="$(ctr_pid "$ID")"
	for link in /proc/"$pid"/fd/*; do
		target="$(readlink "$link")" || continue
		echo "fd ${link##*/} -> $target" >&2
		case $target in
		"$TEST_TMP/caller-fd") bad+=" ${link##*/}" ;;
		*/exec.fifo) ;;
		"$TEST_ROOT"/*) bad+=" ${link##*/}" ;;
		esac
	done
	assert_eq "$bad" ""
	rt start "$ID"
	wait_for_status "$ID" stopped
}

@test "lifecycle: state JSON has the OCI fields" {
	update_config '.annotations = {"org.example.key": "value", "other": "two"}'
	set_args sleep 1000
	create_ctr
	run rt state "$ID"
	[ "$status" -eq 0 ]
	local s="$output"
	jq -e . <<<"$s" >/dev/null
	[[ "$(jq -r .ociVersion <<<"$s")" =~ ^1\.[0-9]+\.[0-9]+ ]]
	assert_eq "$(jq -r .id <<<"$s")" "$ID" id
	assert_eq "$(jq -r .status <<<"$s")" created status
	assert_eq "$(jq -r '.pid | type' <<<"$s")" number "pid type"
	[ "$(jq -r .pid <<<"$s")" -gt 0 ]
	assert_eq "$(jq -r .bundle <<<"$s")" "$BUNDLE" bundle
	assert_eq "$(jq -c .annotations <<<"$s")" '{"org.example.key":"value","other":"two"}' annotations
}

@test "lifecycle: state JSON has runc's extra fields (rootfs, created, owner)" {
	set_args sleep 1000
	create_ctr
	run rt state "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$(jq -r .rootfs <<<"$output")" "$BUNDLE/rootfs" rootfs
	[[ "$(jq -r .created <<<"$output")" =~ $RFC3339 ]]
	assert_eq "$(jq -r '.owner | type' <<<"$output")" string "owner type"
}

@test "lifecycle: state bundle is absolute when --bundle is relative" {
	set_args sleep 1000
	cd "$TEST_TMP"
	rt create -b bundle "$ID" </dev/null >/dev/null 2>&1
	assert_eq "$(rt state "$ID" | jq -r .bundle)" "$BUNDLE" bundle
}

@test "lifecycle: state of an unknown container fails" {
	run rt state "no-such-$ID"
	[ "$status" -ne 0 ]
	[ -n "$output" ]
}

@test "lifecycle: list -q and list --format json" {
	set_args sleep 1000
	create_ctr "$ID-a"
	start_detached "$ID-b"
	run rt list -q
	[ "$status" -eq 0 ]
	assert_eq "$(sort <<<"$output")" "$(printf '%s\n' "$ID-a" "$ID-b")" "list -q"

	run rt list --format json
	[ "$status" -eq 0 ]
	assert_eq "$(jq -r 'type' <<<"$output")" array
	assert_eq "$(jq -r 'length' <<<"$output")" 2 length
	assert_eq "$(jq -r '.[] | select(.id == $i) | .status' --arg i "$ID-a" <<<"$output")" created
	assert_eq "$(jq -r '.[] | select(.id == $i) | .status' --arg i "$ID-b" <<<"$output")" running
	assert_eq "$(jq -r '.[] | select(.id == $i) | .pid' --arg i "$ID-b" <<<"$output")" "$(ctr_pid "$ID-b")" pid
	assert_eq "$(jq -r '[.[].bundle] | unique | .[]' <<<"$output")" "$BUNDLE" bundle
}

@test "lifecycle: list table has a header and one row per container" {
	set_args sleep 1000
	start_detached
	run rt list
	[ "$status" -eq 0 ]
	assert_eq "$(echo ${lines[0]})" "ID PID STATUS BUNDLE CREATED OWNER" header
	[ "${#lines[@]}" -eq 2 ]
	local -a f
	read -r -a f <<<"${lines[1]}"
	assert_eq "${f[0]}" "$ID" id
	assert_eq "${f[1]}" "$(ctr_pid "$ID")" pid
	assert_eq "${f[2]}" running status
	assert_eq "${f[3]}" "$BUNDLE" bundle
	[[ "${f[4]}" =~ $RFC3339 ]]
}

@test "lifecycle: list with no containers" {
	run rt list -q
	[ "$status" -eq 0 ]
	assert_eq "$output" "" "list -q"
	run rt list --format json
	[ "$status" -eq 0 ]
	# runc 1.1.5 prints null; an empty array is as good.
	jq -e '. == null or . == []' <<<"$output" >/dev/null
}

@test "lifecycle: list with a --root that does not exist fails, as in runc" {
	run "$RUNTIME" --root "$TEST_TMP/no-such-root" list
	[ "$status" -ne 0 ]
	assert_contains "$output" "$TEST_TMP/no-such-root"
	assert_contains "$output" "No such file or directory"
	[ ! -e "$TEST_TMP/no-such-root" ]
}

@test "lifecycle: starting a container twice fails" {
	set_args sleep 1000
	create_ctr
	run rt start "$ID"
	[ "$status" -eq 0 ]
	run rt start "$ID"
	[ "$status" -ne 0 ]
	assert_eq "$(ctr_status "$ID")" running
}

@test "lifecycle: reusing an ID fails and leaves the first container alone" {
	set_args sleep 1000
	start_detached
	local pid
	pid="$(ctr_pid "$ID")"
	local before
	before="$(rt state "$ID")"
	run_rt run -d -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	run_rt create -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	assert_eq "$(rt state "$ID")" "$before" "state after the failed reuse"
	[ -d "/proc/$pid" ]
	assert_eq "$(ctr_status "$ID")" running
}

@test "lifecycle: delete of a running container fails without --force" {
	set_args sleep 1000
	start_detached
	local pid
	pid="$(ctr_pid "$ID")"
	run rt delete "$ID"
	[ "$status" -ne 0 ]
	assert_eq "$(ctr_status "$ID")" running
	assert_eq "$(ctr_pid "$ID")" "$pid" pid
	[ -d "/proc/$pid" ]
}

@test "lifecycle: delete --force kills and removes a running container" {
	set_args sh -c 'sleep 1000 & sleep 1000 & exec sleep 1000'
	start_detached
	run rt delete -f "$ID"
	[ "$status" -eq 0 ]
	run rt state "$ID"
	[ "$status" -ne 0 ]
	assert_no_leftovers
}

@test "lifecycle: delete --force of a created container" {
	set_args sleep 1000
	create_ctr
	run rt delete --force "$ID"
	[ "$status" -eq 0 ]
	assert_no_leftovers
}

@test "lifecycle: delete of an unknown container fails" {
	run rt delete "no-such-$ID"
	[ "$status" -ne 0 ]
}

@test "lifecycle: kill with TERM, SIGTERM and 15" {
	share_dir
	local sig
	for sig in TERM SIGTERM 15; do
		trap_term_args "$ID-$sig"
		start_detached "$ID-$sig"
		wait_for_file "$SHARED/$ID-$sig.ready"
		run rt kill "$ID-$sig" "$sig"
		[ "$status" -eq 0 ]
		wait_for_status "$ID-$sig" stopped
		run rt delete "$ID-$sig"
		[ "$status" -eq 0 ]
		assert_no_leftovers "$ID-$sig"
	done
}

@test "lifecycle: kill TERM (or INT, HUP) ends a created container, as runc's init exits on it" {
	set_args sleep 1000
	local sig
	for sig in TERM INT HUP; do
		create_ctr "$ID-$sig"
		[ "$(ctr_status "$ID-$sig")" = created ]
		run rt kill "$ID-$sig" "$sig"
		[ "$status" -eq 0 ]
		wait_for_status "$ID-$sig" stopped
		rt delete "$ID-$sig"
		assert_no_leftovers "$ID-$sig"
	done
}

@test "lifecycle: kill without a signal sends SIGTERM" {
	share_dir
	trap_term_args "$ID"
	start_detached
	wait_for_file "$SHARED/$ID.ready"
	run rt kill "$ID"
	[ "$status" -eq 0 ]
	wait_for_status "$ID" stopped
}

@test "lifecycle: kill KILL stops a container whose init ignores TERM" {
	set_args sleep 1000
	start_detached
	run rt kill "$ID" KILL
	[ "$status" -eq 0 ]
	wait_for_status "$ID" stopped
	rt delete "$ID"
	assert_no_leftovers
}

@test "lifecycle: kill with an unknown signal fails and the container survives" {
	set_args sleep 1000
	start_detached
	run rt kill "$ID" NOSUCHSIG
	[ "$status" -ne 0 ]
	run rt kill "$ID" 999
	[ "$status" -ne 0 ]
	assert_eq "$(ctr_status "$ID")" running
}

@test "lifecycle: kill of a stopped container fails" {
	start_detached # process.args is "true"
	wait_for_status "$ID" stopped
	run rt kill "$ID" KILL
	[ "$status" -ne 0 ]
}

@test "lifecycle: kill --all signals every process of the container" {
	# In a pid namespace the kernel kills everything when init dies, which
	# would hide a kill --all that only signals init; without one, the
	# children outlive init unless they are signalled themselves.
	no_pidns
	set_args sh -c 'sleep 1000 & sleep 1000 & exec sleep 1000'
	start_detached
	# Wait for all three sleeps (sh forks two, then execs the third).
	local pids p i n
	for ((i = 0; i < POLL_TRIES; i++)); do
		pids="$(_procs_in "$BUNDLE/rootfs" | xargs)"
		n=0
		for p in $pids; do
			[ "$(cat "/proc/$p/comm" 2>/dev/null)" = sleep ] && n=$((n + 1))
		done
		[ "$n" -ge 3 ] && break
		sleep "$POLL_INTERVAL"
	done
	assert_eq "$n" 3 "sleeps in the container"
	run rt kill --all "$ID" KILL
	[ "$status" -eq 0 ]
	wait_for_status "$ID" stopped
	for p in $pids; do
		wait_for_exit "$p"
	done
	[ -z "$(_procs_in "$BUNDLE/rootfs")" ]
}

@test "lifecycle: a detached container whose process exits is stopped" {
	set_args true
	start_detached
	wait_for_status "$ID" stopped
	run rt state "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$(jq -r .status <<<"$output")" stopped
	run rt delete "$ID"
	[ "$status" -eq 0 ]
	assert_no_leftovers
}

@test "lifecycle: delete of a stopped container leaves nothing behind" {
	share_dir
	set_args sh -c 'echo x > /tmp/f'
	add_mount '{"destination": "/scratch", "type": "tmpfs", "source": "tmpfs"}'
	start_detached
	wait_for_status "$ID" stopped
	rt delete "$ID"
	run rt list -q
	assert_eq "$output" "" "list after delete"
	assert_no_leftovers
}

@test "lifecycle: create --pid-file holds the host pid of init" {
	set_args sleep 1000
	create_ctr "$ID" --pid-file "$TEST_TMP/pid"
	local pid
	pid="$(cat "$TEST_TMP/pid")"
	assert_eq "$pid" "$(ctr_pid "$ID")" "pid file"
	[ -d "/proc/$pid" ]
	# The file holds just the number (runc writes no newline).
	[[ "$(cat "$TEST_TMP/pid")" =~ ^[0-9]+$ ]]
}

@test "lifecycle: create --pid-file with a relative path" {
	set_args sleep 1000
	cd "$TEST_TMP"
	rt create -b "$BUNDLE" --pid-file rel.pid "$ID" </dev/null >/dev/null 2>&1
	assert_eq "$(cat "$TEST_TMP/rel.pid")" "$(ctr_pid "$ID")" "pid file"
}

@test "spec: writes a config.json that parses" {
	mkdir -p "$TEST_TMP/s"
	cd "$TEST_TMP/s"
	run "$RUNTIME" spec
	[ "$status" -eq 0 ]
	jq -e '.ociVersion and .process.args and .root.path and (.mounts | length > 0)
		and (.linux.namespaces | map(.type) | index("mount"))' config.json >/dev/null
}

@test "spec: refuses to overwrite an existing config.json" {
	mkdir -p "$TEST_TMP/s"
	echo '{"mine": true}' >"$TEST_TMP/s/config.json"
	cd "$TEST_TMP/s"
	run "$RUNTIME" spec
	[ "$status" -ne 0 ]
	assert_eq "$(cat config.json)" '{"mine": true}' "config.json"
}

@test "spec --bundle writes into that directory" {
	mkdir -p "$TEST_TMP/s"
	run "$RUNTIME" spec --bundle "$TEST_TMP/s"
	[ "$status" -eq 0 ]
	jq -e .ociVersion "$TEST_TMP/s/config.json" >/dev/null
}

@test "spec --rootless: a user namespace with id mappings" {
	mkdir -p "$TEST_TMP/s"
	cd "$TEST_TMP/s"
	run "$RUNTIME" spec --rootless
	[ "$status" -eq 0 ]
	jq -e '(.linux.namespaces | map(.type) | index("user"))
		and (.linux.uidMappings | length > 0) and (.linux.gidMappings | length > 0)' config.json >/dev/null
	# Without a network namespace (a rootless runtime cannot configure one).
	jq -e '.linux.namespaces | map(.type) | index("network") | not' config.json >/dev/null
}

@test "cli: --version and --help exit 0" {
	run "$RUNTIME" --version
	[ "$status" -eq 0 ]
	assert_contains "$output" version
	run "$RUNTIME" --help
	[ "$status" -eq 0 ]
	[ -n "$output" ]
}

@test "cli: an unknown command fails" {
	run "$RUNTIME" no-such-command
	[ "$status" -ne 0 ]
}

# pidfd_listener: build/tests/pidfd_kill on $TEST_TMP/pidfd.sock, in the background; it kills
# through the pidfd it is sent. Its output goes to $TEST_TMP/pidfd.out.
pidfd_listener() {
	rm -f "$TEST_TMP/pidfd.sock" "$TEST_TMP/pidfd.ready"
	"$REPO/build/tests/pidfd_kill" "$TEST_TMP/pidfd.sock" "$TEST_TMP/pidfd.ready" >"$TEST_TMP/pidfd.out" 2>&1 &
	PIDFD_KILLER=$!
	track_pid "$PIDFD_KILLER"
	wait_for_file "$TEST_TMP/pidfd.ready"
}

@test "lifecycle: create --pidfd-socket hands over a pidfd of the init" {
	set_args sleep 1000
	pidfd_listener
	create_ctr "$ID" --pidfd-socket "$TEST_TMP/pidfd.sock"
	wait "$PIDFD_KILLER"
	assert_contains "$(cat "$TEST_TMP/pidfd.out")" "pidfd"
	wait_for_status "$ID" stopped
}

@test "lifecycle: run -d and exec --pidfd-socket hand over pidfds of their processes" {
	set_args sleep 1000
	pidfd_listener
	run_rt run -d --pidfd-socket "$TEST_TMP/pidfd.sock" -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	wait "$PIDFD_KILLER"
	wait_for_status "$ID" stopped
	rt delete "$ID"

	start_detached
	pidfd_listener
	run_rt exec -d --pid-file "$TEST_TMP/exec.pid" --pidfd-socket "$TEST_TMP/pidfd.sock" "$ID" sleep 1000
	[ "$status" -eq 0 ]
	wait "$PIDFD_KILLER"
	wait_for_exit "$(cat "$TEST_TMP/exec.pid")"
	assert_eq "$(ctr_status "$ID")" running "the container after its exec was killed"
}
