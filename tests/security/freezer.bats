#!/usr/bin/env bats
# The freezer against the runtime: nothing may hang because a process froze.
#
# - exec --ignore-paused into a paused container: the process entering the
#   frozen cgroup must not keep the container locked, or the resume that
#   would thaw it (and state, kill, delete) waits forever.
# - create/run into a cgroup that is already frozen (v1 freezer.state FROZEN,
#   v2 cgroup.freeze 1, or below a frozen parent): the init would join it and
#   freeze for good; refused at once, as runc does, leaving nothing behind.
#
# Every runtime call that could hang runs under `timeout`, so a hang fails
# the test instead of stopping the suite; teardown thaws only the cgroups this
# test froze (or made) before deleting the container.

load ../integration/helpers

# Seconds a command that must not block is given (it takes well under one).
BOUND=20

setup() {
	setup_common
	make_bundle
	THAW_V1=()
	THAW_V2=()
	MADE_CGROUPS=()
}

teardown() {
	local d p
	for d in "${THAW_V1[@]}"; do
		[ ! -e "$d/freezer.state" ] || echo THAWED >"$d/freezer.state"
	done 2>/dev/null
	for d in "${THAW_V2[@]}"; do
		[ ! -e "$d/cgroup.freeze" ] || echo 0 >"$d/cgroup.freeze"
	done 2>/dev/null
	# Processes in the cgroups this test made can only be what the runtime
	# under test put there.
	for d in "${MADE_CGROUPS[@]}"; do
		[ -e "$d/cgroup.procs" ] || continue
		while read -r p; do
			kill -KILL "$p" 2>/dev/null
		done <"$d/cgroup.procs"
	done
	teardown_common
	# The test's own cgroups (and any child a runtime left in them), leaves first.
	for d in "${MADE_CGROUPS[@]}"; do
		[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
	done
	return 0
}

# rt_bounded ARGS...: rt, given $BOUND seconds; sets $status and $output.
# A runtime still blocked then is killed and reported (status 124 or 137).
rt_bounded() {
	local out="$TEST_TMP/bounded.out"
	status=0
	timeout -k 5 "$BOUND" "$RUNTIME" --root "$TEST_ROOT" "$@" </dev/null >"$out" 2>&1 || status=$?
	output="$(cat "$out")"
	mapfile -t lines <<<"$output"
	[ -n "$output" ] || lines=()
	{
		echo "rt $* -> status $status"
		[ -z "$output" ] || sed 's/^/  | /' <<<"$output"
		if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
			echo "  BLOCKED: still running after $BOUND s, killed"
		fi
	} >&2
}

# The v1 freezer hierarchy, or nothing.
v1_freezer() {
	cgroup_v1 freezer && echo /sys/fs/cgroup/freezer
}

# The cgroup2 tree (pure v2, or the hybrid one), or nothing.
v2_root() {
	local d
	for d in /sys/fs/cgroup /sys/fs/cgroup/unified; do
		if [ "$(stat -f -c %T "$d" 2>/dev/null)" = cgroup2fs ]; then
			echo "$d"
			return
		fi
	done
}

# remember_thaw PID: thaw PID's freezer cgroups in teardown (the container's
# own: the test paused it).
remember_thaw() {
	local rel v2
	if [ -n "$(v1_freezer)" ]; then
		rel="$(awk -F: '$2 == "freezer" {print $3}' "/proc/$1/cgroup")"
		THAW_V1+=("/sys/fs/cgroup/freezer$rel")
	fi
	v2="$(v2_root)"
	if [ -n "$v2" ]; then
		rel="$(awk -F: '$1 == "0" {print $3}' "/proc/$1/cgroup")"
		[ -e "$v2$rel/cgroup.freeze" ] && THAW_V2+=("$v2$rel")
	fi
	return 0
}

# start_paused_with_exec: a sleeping container, paused; EXEC_PID is an exec
# --ignore-paused into it, started in the background and left waiting.
start_paused_with_exec() {
	share_dir
	set_args sleep 1000
	start_detached
	remember_thaw "$(ctr_pid "$ID")"
	rt pause "$ID"
	assert_eq "$(ctr_status "$ID")" paused "status after pause"
	timeout -k 5 120 "$RUNTIME" --root "$TEST_ROOT" exec --ignore-paused "$ID" \
		sh -c 'echo ran >/shared/exec-ran' </dev/null >"$TEST_TMP/exec.out" 2>&1 &
	EXEC_PID=$!
	track_pid "$EXEC_PID"
	# Wait until the exec's process is in the (frozen) cgroup beside the init.
	local procs="${THAW_V1[0]:-${THAW_V2[0]}}/cgroup.procs" i
	for ((i = 0; i < POLL_TRIES; i++)); do
		[ "$(wc -l <"$procs")" -ge 2 ] && return 0
		sleep "$POLL_INTERVAL"
	done
	echo "no exec process appeared in $procs" >&2
	return 1
}

@test "freezer: exec --ignore-paused into a paused container blocks neither state nor resume" {
	start_paused_with_exec
	rt_bounded state "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$(jq -r .status <<<"$output")" paused "state"
	rt_bounded resume "$ID"
	[ "$status" -eq 0 ]
	# After resume the exec'd process runs and the exec returns its status.
	wait_for_file "$SHARED/exec-ran"
	wait_for_exit "$EXEC_PID"
	local rc=0
	wait "$EXEC_PID" || rc=$?
	assert_eq "$rc" 0 "exec status"
	assert_eq "$(cat "$SHARED/exec-ran")" ran
	assert_eq "$(ctr_status "$ID")" running
}

@test "freezer: exec --ignore-paused into a paused container blocks neither kill nor delete" {
	start_paused_with_exec
	rt_bounded kill "$ID" KILL
	[ "$status" -eq 0 ]
	rt_bounded delete -f "$ID"
	[ "$status" -eq 0 ]
	[ ! -e "$TEST_ROOT/$ID" ]
	# The waiting exec ends (its process went with the container) and the
	# process never ran.
	wait_for_exit "$EXEC_PID"
	[ ! -e "$SHARED/exec-ran" ]
	assert_no_leftovers
}

# make_frozen_v1 NAME: mkdir NAME in the v1 freezer hierarchy and freeze it.
make_frozen_v1() {
	local d
	d="$(v1_freezer)/$1"
	mkdir "$d"
	MADE_CGROUPS+=("$d")
	THAW_V1+=("$d")
	echo FROZEN >"$d/freezer.state"
	assert_eq "$(cat "$d/freezer.state")" FROZEN "freezer.state of $d"
}

# make_frozen_v2 NAME: mkdir NAME in the cgroup2 tree and freeze it.
make_frozen_v2() {
	local d
	d="$(v2_root)/$1"
	mkdir "$d"
	MADE_CGROUPS+=("$d")
	THAW_V2+=("$d")
	[ -e "$d/cgroup.freeze" ] || skip "cgroup2 without cgroup.freeze (kernel < 5.2)"
	echo 1 >"$d/cgroup.freeze"
}

# A name unique to the test that the ID-based leftover checks do not match.
frozen_name() {
	echo "ocisec-frozen-${BATS_ROOT_PID:-$$}-${BATS_SUITE_TEST_NUMBER:-$BATS_TEST_NUMBER}"
}

# refused_into_frozen CMD NAME CGPATH: CMD (create or run -d) with
# linux.cgroupsPath CGPATH fails at once with runc's message and leaves
# nothing: no state dir, no process, no cgroup dir but those the test made
# (still frozen).
refused_into_frozen() {
	local cmd="$1" name="$2" d
	update_config '.linux.cgroupsPath = $p' --arg p "$3"
	set_args sleep 1000
	if [ "$cmd" = run ]; then
		rt_bounded run -d -b "$BUNDLE" "$ID"
	else
		rt_bounded create -b "$BUNDLE" "$ID"
	fi
	[ "$status" -ne 0 ]
	[ "$status" -ne 124 ] && [ "$status" -ne 137 ]
	assert_contains "$output" "container's cgroup unexpectedly frozen"
	[ "${#lines[@]}" -eq 1 ] || [ "$RUNTIME_NAME" = runc ]
	[ ! -e "$TEST_ROOT/$ID" ]
	assert_no_leftovers
	# Only the test's own cgroups remain, as the test left them.
	local got want
	got="$(find /sys/fs/cgroup -maxdepth 4 -type d -path "*/$name*" | sort)"
	want="$(printf '%s\n' "${MADE_CGROUPS[@]}" | sort)"
	assert_eq "$got" "$want" "cgroup dirs named $name"
	for d in "${MADE_CGROUPS[@]}"; do
		assert_eq "$(cat "$d/cgroup.procs")" "" "processes in $d"
	done
	for d in "${THAW_V1[@]}"; do
		assert_eq "$(cat "$d/freezer.state")" FROZEN "freezer.state of $d"
	done
	for d in "${THAW_V2[@]}"; do
		assert_eq "$(cat "$d/cgroup.freeze")" 1 "cgroup.freeze of $d"
	done
}

@test "freezer: create into a frozen v1 freezer cgroup is refused" {
	[ -n "$(v1_freezer)" ] || skip "no v1 freezer hierarchy"
	local name
	name="$(frozen_name)"
	make_frozen_v1 "$name"
	refused_into_frozen create "$name" "/$name"
}

@test "freezer: run into a frozen v1 freezer cgroup is refused" {
	[ -n "$(v1_freezer)" ] || skip "no v1 freezer hierarchy"
	local name
	name="$(frozen_name)"
	make_frozen_v1 "$name"
	refused_into_frozen run "$name" "/$name"
}

@test "freezer: create below a frozen v1 freezer cgroup is refused" {
	[ -n "$(v1_freezer)" ] || skip "no v1 freezer hierarchy"
	local name
	name="$(frozen_name)"
	make_frozen_v1 "$name"
	# runc checks only the container's own cgroup, before making it.
	runc_gap "a new cgroup below a frozen parent is not checked"
	refused_into_frozen create "$name" "/$name/ctr"
}

@test "freezer: create into a cgroup2 cgroup with cgroup.freeze 1 is refused" {
	[ -n "$(v2_root)" ] || skip "no cgroup2 tree"
	local name
	name="$(frozen_name)"
	make_frozen_v2 "$name"
	# runc checks cgroup.freeze only on a pure cgroup2 host, yet on a hybrid
	# one it puts the init in the cgroup2 tree too.
	if [ "$(v2_root)" = /sys/fs/cgroup/unified ]; then
		runc_gap "the hybrid cgroup2 tree's cgroup.freeze is not checked"
	fi
	refused_into_frozen create "$name" "/$name"
}
