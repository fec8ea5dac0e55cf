#!/usr/bin/env bats
# Attacks on the state directory and on create's bookkeeping:
# - a truncated or corrupt state.json must not make a container unmanageable:
#   `delete --force` still kills what the ID owns (its init, by its recorded
#   identity, and every process of its cgroups) and removes everything;
#   `state` and `kill` fail with one line naming the file; `list` reports the
#   entry and stays parseable;
# - the init's PID recycled to a bystander: nothing but the container dies;
# - `create` SIGKILLed after its cgroup directories exist (deterministically
#   through a fault point, and at increasing delays): `delete --force` leaves
#   no cgroup directory in any hierarchy, no state dir, no process.

load ../integration/helpers

setup() {
	setup_common
	make_bundle
	set_args sleep 1000
}

teardown() {
	teardown_common
}

# Processes whose command line names ID (a runtime or an init still running
# the runtime's binary). "o[c]it-..." keeps grep itself out.
procs_naming() {
	local pat="${1:0:1}[${1:1:1}]${1:2}" f
	for f in $(grep -lsa -- "$pat" /proc/[0-9]*/cmdline); do
		echo "${f#/proc/} $(tr '\0' ' ' <"$f" 2>/dev/null)"
	done
	return 0
}

# cgroup_dirs PID: the host directory of PID's cgroup in every hierarchy
# (each v1 controller mount and the cgroup2 tree), one a line.
cgroup_dirs() {
	local line ctrls path mnt
	while IFS= read -r line; do
		ctrls="$(cut -d: -f2 <<<"$line")"
		path="$(cut -d: -f3- <<<"$line")"
		if [ -z "$ctrls" ]; then
			mnt="$(awk '$9 == "cgroup2" {print $5; exit}' /proc/self/mountinfo)"
		else
			# the v1 mount whose super options hold the first controller
			mnt="$(awk -v c="${ctrls%%,*}" '$9 == "cgroup" { n = split($11, o, ",");
				for (i = 1; i <= n; i++) if (o[i] == c) { print $5; exit } }' /proc/self/mountinfo)"
		fi
		[ -n "$mnt" ] && echo "$mnt$path"
	done <"/proc/$1/cgroup"
}

# leftovers ID [PID] [DIRS]: everything of ID the host still holds, one item
# a line (empty when clean): its state dir, cgroup dirs named for it, the
# cgroup dirs recorded in DIRS, PID when still alive, processes naming it.
leftovers() {
	local id="$1" pid="${2:-}" dirs="${3:-}" d st
	[ -e "$TEST_ROOT/$id" ] && echo "state dir $TEST_ROOT/$id"
	_cgroups_of "$id" | sed 's/^/cgroup /'
	for d in $dirs; do
		[ -d "$d" ] && echo "cgroup $d"
	done
	if [ -n "$pid" ]; then
		st="$(awk '/^State:/ {print $2}' "/proc/$pid/status" 2>/dev/null)" || st=""
		[ -z "$st" ] || [ "$st" = Z ] || echo "process $pid ($st)"
	fi
	procs_naming "$id" | sed 's/^/process /'
	return 0
}

# settle PID: give PID up to 2 s to be gone (delete --force waits for the
# init itself; a process it killed may take a moment to be reaped).
settle() {
	local i st
	for ((i = 0; i < 40; i++)); do
		st="$(awk '/^State:/ {print $2}' "/proc/$1/status" 2>/dev/null)" || st=""
		[ -z "$st" ] || [ "$st" = Z ] && return 0
		sleep 0.05
	done
	return 1
}

# corrupt FILE KIND: damage a state file the way a crash, a full disk or a
# stray write would.
corrupt() {
	local f="$1" n
	case "$2" in
	empty) : >"$f" ;;
	half)
		n="$(stat -c %s "$f")"
		truncate -s "$((n / 2))" "$f"
		;;
	garbage) printf 'garbage\000\377' >"$f" ;;
	array) echo '[]' >"$f" ;;
	missing) rm -f "$f" ;;
	esac
}

KINDS="empty half garbage array missing"

@test "state: a corrupt state.json: delete --force kills the init, removes its cgroups and state dir" {
	local kind id pid dirs bad=() s
	for kind in $KINDS; do
		id="$ID-$kind"
		start_detached "$id"
		pid="$(ctr_pid "$id")"
		track_pid "$pid"
		dirs="$(cgroup_dirs "$pid")"
		[ -n "$dirs" ] || bad+=("$kind: no cgroup found for pid $pid")
		corrupt "$TEST_ROOT/$id/state.json" "$kind"
		rt delete --force "$id" >"$TEST_TMP/del.out" 2>&1 || bad+=("$kind: delete --force failed: $(cat "$TEST_TMP/del.out")")
		settle "$pid" || true
		s="$(leftovers "$id" "$pid" "$dirs")"
		[ -z "$s" ] || bad+=("$kind: left: $(tr '\n' ';' <<<"$s")")
	done
	[ "${#bad[@]}" -eq 0 ] || {
		printf '%s\n' "${bad[@]}" >&2
		return 1
	}
}

@test "state: a corrupt state.json: delete --force kills every process of the cgroup (no pid namespace)" {
	no_pidns
	set_args sh -c 'sleep 1000 & exec sleep 1001'
	start_detached
	local pid child dirs s
	pid="$(ctr_pid "$ID")"
	track_pid "$pid"
	for _ in $(seq 100); do
		child="$(pgrep -P "$pid" sleep || true)"
		[ -n "$child" ] && break
		sleep 0.05
	done
	[ -n "$child" ]
	track_pid "$child"
	dirs="$(cgroup_dirs "$pid")"
	corrupt "$TEST_ROOT/$ID/state.json" half
	run_rt delete --force "$ID"
	[ "$status" -eq 0 ]
	settle "$pid" || true
	settle "$child" || true
	s="$(leftovers "$ID" "$pid" "$dirs")$(leftovers "$ID" "$child")"
	[ -z "$s" ] || {
		echo "left: $s" >&2
		return 1
	}
}

@test "state: a corrupt state.json: state, kill and delete fail with one line naming the file" {
	local kind id cmd bad=() n
	for kind in empty half garbage array; do
		id="$ID-$kind"
		start_detached "$id"
		track_pid "$(ctr_pid "$id")"
		corrupt "$TEST_ROOT/$id/state.json" "$kind"
		for cmd in state kill delete; do
			if [ "$cmd" = kill ]; then
				run_rt --separate-stderr kill "$id" KILL
			else
				run_rt --separate-stderr "$cmd" "$id"
			fi
			[ "$status" -ne 0 ] || bad+=("$kind: $cmd exited 0")
			n="$(grep -c . <<<"$stderr")"
			[ "$n" -eq 1 ] || bad+=("$kind: $cmd: $n lines on stderr: $stderr")
			[[ "$stderr" == *"$TEST_ROOT/$id/state.json"* ]] || bad+=("$kind: $cmd: does not name the file: $stderr")
		done
		# the container is still there to be deleted by force
		[ -e "$TEST_ROOT/$id" ] || bad+=("$kind: the state dir went away")
		rt delete --force "$id" >/dev/null 2>&1 || true
	done
	[ "${#bad[@]}" -eq 0 ] || {
		printf '%s\n' "${bad[@]}" >&2
		return 1
	}
}

@test "state: list reports a container with a corrupt state.json and stays parseable" {
	local good="$ID-good" broken="$ID-broken"
	start_detached "$good"
	start_detached "$broken"
	track_pid "$(ctr_pid "$broken")"
	corrupt "$TEST_ROOT/$broken/state.json" half

	run_rt --separate-stderr list -f json
	[ "$status" -eq 0 ]
	jq -e 'type == "array"' <<<"$output" >/dev/null
	assert_eq "$(jq -r --arg i "$good" '.[] | select(.id == $i) | .status' <<<"$output")" running "status of $good"
	assert_eq "$(jq -r --arg i "$broken" '.[] | select(.id == $i) | .status' <<<"$output")" unknown "status of $broken"
	assert_contains "$stderr" "$TEST_ROOT/$broken/state.json"

	# table: a header and one row of six columns per container
	run_rt --separate-stderr list
	[ "$status" -eq 0 ]
	assert_eq "${#lines[@]}" 3 "lines of the table"
	assert_eq "$(awk -v i="$broken" '$1 == i {print $3, NF}' <<<"$output")" "unknown 6" "row of $broken"

	# -q lists it, so `list -q | xargs delete -f` cleans up
	run_rt list -q
	[ "$status" -eq 0 ]
	assert_contains "$output" "$broken"

	run_rt delete --force "$broken"
	[ "$status" -eq 0 ]
	run_rt list -q
	assert_eq "$output" "$good" "list -q after delete"
}

@test "state: state.json and owned.json both corrupt: list shows a row, delete --force kills nothing and says why" {
	requires_ocirun
	start_detached
	local pid
	pid="$(ctr_pid "$ID")"
	track_pid "$pid"
	corrupt "$TEST_ROOT/$ID/state.json" half
	corrupt "$TEST_ROOT/$ID/owned.json" garbage

	run_rt --separate-stderr list
	[ "$status" -eq 0 ]
	assert_eq "$(awk -v i="$ID" '$1 == i {print $3, $4, NF}' <<<"$output")" "unknown - 6" "row of $ID"

	# nothing proves what the ID owns: refuse, one line naming both files
	run_rt --separate-stderr delete --force "$ID"
	[ "$status" -ne 0 ]
	assert_eq "$(grep -c . <<<"$stderr")" 1 "lines on stderr"
	assert_contains "$stderr" "$TEST_ROOT/$ID/state.json"
	assert_contains "$stderr" "$TEST_ROOT/$ID/owned.json"
	[ -d "$TEST_ROOT/$ID" ]
	kill -0 "$pid"

	# once both files are gone (nothing recorded, nothing to kill) the dir goes
	kill -KILL "$pid"
	wait_for_exit "$pid"
	rm "$TEST_ROOT/$ID/state.json" "$TEST_ROOT/$ID/owned.json"
	run_rt delete --force "$ID"
	[ "$status" -eq 0 ]
	[ ! -e "$TEST_ROOT/$ID" ]
}

# spawn_at PID: run `sleep 1000` (in the background, its pid in $SPAWNED) as
# PID, by setting ns_last_pid just before the fork; other processes of the
# machine may take it first, so this tries a few times.
spawn_at() {
	local want="$1" i
	SPAWNED=""
	for i in $(seq 50); do
		echo "$((want - 1))" >/proc/sys/kernel/ns_last_pid 2>/dev/null || return 1
		sleep 1000 &
		if [ "$!" -eq "$want" ]; then
			SPAWNED="$!"
			return 0
		fi
		kill -KILL "$!"
		wait "$!" 2>/dev/null || true
	done
	return 1
}

@test "state: the init's PID recycled to a bystander and state.json corrupt: delete --force spares it" {
	[ -w /proc/sys/kernel/ns_last_pid ] || skip "needs a writable /proc/sys/kernel/ns_last_pid"
	start_detached
	local pid
	pid="$(ctr_pid "$ID")"
	track_pid "$pid"
	# the init dies: the container is stopped, its PID free again
	kill -KILL "$pid"
	wait_for_exit "$pid"
	# wait_for_exit accepts a zombie: the reaper reaps it soon after
	for _ in $(seq 100); do
		[ -e "/proc/$pid" ] || break
		sleep 0.05
	done
	spawn_at "$pid" || skip "could not get PID $pid for the bystander"
	track_pid "$SPAWNED"
	corrupt "$TEST_ROOT/$ID/state.json" garbage
	run_rt delete --force "$ID"
	[ "$status" -eq 0 ]
	kill -0 "$SPAWNED" || {
		echo "the bystander $SPAWNED was killed" >&2
		return 1
	}
	assert_eq "$(leftovers "$ID")" "" "left"
}

@test "state: create killed right after making its cgroup dirs (fault point): delete --force removes them" {
	requires_ocirun
	local st=0 s
	OCIRUN_FAULT=create-cgroup-mkdir rt create -b "$BUNDLE" "$ID" </dev/null >"$TEST_TMP/c.out" 2>&1 || st=$?
	[ "$st" -ne 0 ] || {
		echo "create with the fault succeeded (no fault point create-cgroup-mkdir?)" >&2
		return 1
	}
	# the attack worked: directories of the container exist
	[ -n "$(_cgroups_of "$ID")" ]
	run_rt delete --force "$ID"
	[ "$status" -eq 0 ]
	s="$(leftovers "$ID")"
	[ -z "$s" ] || {
		echo "left: $s" >&2
		return 1
	}
	# a nested cgroupsPath whose parents create made: all of them go
	update_config '.linux.cgroupsPath = $p' --arg p "/$ID-top/mid/$ID"
	st=0
	OCIRUN_FAULT=create-cgroup-mkdir rt create -b "$BUNDLE" "$ID" </dev/null >"$TEST_TMP/c.out" 2>&1 || st=$?
	[ "$st" -ne 0 ]
	[ -n "$(_cgroups_of "$ID")" ]
	run_rt delete --force "$ID"
	[ "$status" -eq 0 ]
	s="$(leftovers "$ID")"
	[ -z "$s" ] || {
		echo "left: $s" >&2
		return 1
	}
}

@test "state: create SIGKILLed at increasing delays: delete --force leaves nothing" {
	local t0 t1 ms i d id s bad=() steps=40
	# how long one create takes here, to spread the kills over it
	t0="$(date +%s%N)"
	create_ctr "$ID-probe"
	t1="$(date +%s%N)"
	rt delete --force "$ID-probe"
	ms=$(((t1 - t0) / 1000000))
	[ "$ms" -gt 0 ] || ms=1
	echo "# one create: $ms ms" >&3
	for ((i = 0; i < steps; i++)); do
		id="$ID-k$i"
		d="$(awk -v i="$i" -v n="$steps" -v ms="$ms" 'BEGIN { printf "%.4f", i * ms * 1.2 / n / 1000 }')"
		# in a subshell of its own, so bash's "Killed" notice goes nowhere
		(
			(exec "$RUNTIME" --root "$TEST_ROOT" create -b "$BUNDLE" "$id" </dev/null >/dev/null 2>&1) &
			pid=$! # the runtime itself (exec)
			sleep "$d"
			kill -KILL "$pid" 2>/dev/null
			wait "$pid"
		) 2>/dev/null || true
		rt delete --force "$id" >"$TEST_TMP/del.out" 2>&1 || bad+=("kill at ${d}s: delete --force failed: $(cat "$TEST_TMP/del.out")")
		s="$(leftovers "$id")"
		[ -z "$s" ] || bad+=("kill at ${d}s: left: $(tr '\n' ';' <<<"$s")")
	done
	[ "${#bad[@]}" -eq 0 ] || {
		printf '%s\n' "${bad[@]}" >&2
		return 1
	}
}
