#!/usr/bin/env bats
# Load: many container lifecycles at once, many creates of one ID at once, a
# long-running `events`. Nothing here asserts on time; durations are printed
# (as TAP comments) for the record.
#
# Environment (defaults sized for the normal suite run, ~10 s on 2 CPUs):
#   STRESS_N      lifecycles (create, start, exec true, kill, delete), default 60
#   STRESS_J      how many run at once, default 8
#   STRESS_SAME   concurrent creates of the same ID, default 20
#   STRESS_EVENTS seconds `events --interval 10ms` runs, default 10
# The full load of the robustness issue:
#   STRESS_N=200 STRESS_J=16 tests/run-integration tests/integration/stress.bats

load helpers

setup() {
	setup_common
	make_bundle
	set_args sleep 1000
	STRESS_N="${STRESS_N:-60}"
	STRESS_J="${STRESS_J:-8}"
	STRESS_SAME="${STRESS_SAME:-20}"
	STRESS_EVENTS="${STRESS_EVENTS:-10}"
}

teardown() {
	teardown_common
}

# Processes whose root is DIR (one stat(1) for all of /proc).
procs_in() {
	local want
	want="$(stat -c %d:%i "$1" 2>/dev/null)" || return 0
	stat -L -c '%d:%i %n' /proc/[0-9]*/root/ 2>/dev/null | awk -v w="$want" '$1 == w {print $2}'
}

# Processes whose command line names ID ("o[c]it-..." keeps grep itself out).
procs_naming() {
	local pat="${1:0:1}[${1:1:1}]${1:2}" f
	for f in $(grep -lsa -- "$pat" /proc/[0-9]*/cmdline); do
		echo "${f#/proc/} $(tr '\0' ' ' <"$f" 2>/dev/null)"
	done
}

# assert_all_gone: no container of this test is left in any form (the IDs
# all start with $ID).
assert_all_gone() {
	local x bad=0
	x="$(ls -A "$TEST_ROOT")"
	[ -z "$x" ] || {
		echo "state dirs left: $x" >&2
		bad=1
	}
	x="$(_cgroups_of "$ID")"
	[ -z "$x" ] || {
		echo "cgroups left: $x" >&2
		bad=1
	}
	x="$(grep -F -- "$BUNDLE" /proc/self/mountinfo || true)"
	[ -z "$x" ] || {
		echo "mounts left: $x" >&2
		bad=1
	}
	x="$(procs_in "$BUNDLE/rootfs")"
	[ -z "$x" ] || {
		echo "processes left in the rootfs: $x" >&2
		bad=1
	}
	x="$(procs_naming "$ID")"
	[ -z "$x" ] || {
		echo "processes naming the containers: $x" >&2
		bad=1
	}
	return "$bad"
}

# running PID: PID exists and is not a zombie (a finished job not yet waited for).
running() {
	local st
	st="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" || return 1
	[ -n "$st" ] && [ "$st" != Z ]
}

# step ID WHAT CMD...: run one step of a lifecycle; on failure record it in
# $TEST_TMP/fail/ID and return 1.
step() {
	local id="$1" what="$2" st=0
	shift 2
	"$@" </dev/null >"$TEST_TMP/log/$id.$what" 2>&1 || st=$?
	[ "$st" -eq 0 ] && return 0
	echo "$what exited $st: $(tr '\n' '|' <"$TEST_TMP/log/$id.$what" | head -c 300)" >"$TEST_TMP/fail/$id"
	return 1
}

# lifecycle ID: create, start, exec true, kill, wait until stopped, delete.
lifecycle() {
	local id="$1" i s
	step "$id" create rt create -b "$BUNDLE" "$id" || return 0
	step "$id" start rt start "$id" || return 0
	step "$id" exec rt exec "$id" true || return 0
	step "$id" kill rt kill "$id" KILL || return 0
	for ((i = 0; i < POLL_TRIES; i++)); do
		s="$(rt state "$id" 2>/dev/null | jq -r .status 2>/dev/null)" || s=""
		[ "$s" = stopped ] && break
		sleep "$POLL_INTERVAL"
	done
	[ "$s" = stopped ] || {
		echo "still $s after kill" >"$TEST_TMP/fail/$id"
		return 0
	}
	step "$id" delete rt delete "$id" || return 0
	touch "$TEST_TMP/ok/$id"
}

@test "stress: STRESS_N lifecycles (create, start, exec, kill, delete), STRESS_J at a time" {
	mkdir -p "$TEST_TMP/log" "$TEST_TMP/fail" "$TEST_TMP/ok"
	local i t0 t1 f p pids=() alive
	t0="$(date +%s.%N)"
	# Waits name our jobs: a bare `wait` would also wait for bats' own
	# background timeout watcher.
	for ((i = 1; i <= STRESS_N; i++)); do
		lifecycle "$ID-$i" &
		pids+=("$!")
		if [ "${#pids[@]}" -ge "$STRESS_J" ]; then
			wait -n "${pids[@]}" || true
			alive=()
			for p in "${pids[@]}"; do
				running "$p" && alive+=("$p")
			done
			pids=("${alive[@]}")
		fi
	done
	wait "${pids[@]}" || true
	t1="$(date +%s.%N)"
	echo "# $STRESS_N lifecycles, $STRESS_J at a time: $(ls "$TEST_TMP/ok" | wc -l) ok in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s" >&3
	for f in "$TEST_TMP"/fail/*; do
		[ -e "$f" ] || continue
		echo "$(basename "$f"): $(cat "$f")" >&2
	done
	# what a failed lifecycle left is the runtime's to remove
	for f in "$TEST_TMP"/fail/*; do
		[ -e "$f" ] && rt delete -f "$(basename "$f")" >/dev/null 2>&1
	done
	assert_eq "$(ls "$TEST_TMP/ok" | wc -l)" "$STRESS_N" "lifecycles that completed"
	assert_all_gone
}

@test "stress: STRESS_SAME concurrent creates of one ID: exactly one wins, the others fail with 'exists'" {
	local i st wins=0 other=() id="$ID-same"
	mkdir -p "$TEST_TMP/same"
	local pids=()
	for ((i = 1; i <= STRESS_SAME; i++)); do
		(
			st=0
			rt create -b "$BUNDLE" "$id" </dev/null >"$TEST_TMP/same/$i.out" 2>"$TEST_TMP/same/$i.err" || st=$?
			echo "$st" >"$TEST_TMP/same/$i.status"
		) &
		pids+=("$!")
	done
	wait "${pids[@]}" || true
	for ((i = 1; i <= STRESS_SAME; i++)); do
		st="$(cat "$TEST_TMP/same/$i.status")"
		if [ "$st" -eq 0 ]; then
			wins=$((wins + 1))
		elif ! grep -q exists "$TEST_TMP/same/$i.err"; then
			other+=("create #$i exited $st: $(tr '\n' '|' <"$TEST_TMP/same/$i.err")")
		elif [ "$RUNTIME_NAME" != runc ] && [ "$(grep -c . "$TEST_TMP/same/$i.err")" -ne 1 ]; then
			other+=("create #$i: more than one line: $(tr '\n' '|' <"$TEST_TMP/same/$i.err")")
		fi
	done
	echo "# $STRESS_SAME creates of one ID: $wins won" >&3
	[ "${#other[@]}" -eq 0 ] || {
		printf '%s\n' "${other[@]}" >&2
		false
	}
	assert_eq "$wins" 1 "creates that succeeded"
	# the winner is intact: created, its init alive, and it runs
	assert_eq "$(ctr_status "$id")" created "status of the winner"
	rt start "$id"
	rt exec "$id" true
	rt kill "$id" KILL
	wait_for_status "$id" stopped
	rt delete "$id"
	assert_all_gone
}

@test "stress: a long-running events --interval keeps a flat memory footprint" {
	requires_ocirun
	start_detached
	local pid rss_early rss_late
	# the runtime itself (not a subshell), so /proc/$pid is its own
	"$RUNTIME" --root "$TEST_ROOT" events --interval 10ms "$ID" >"$TEST_TMP/events.out" 2>"$TEST_TMP/events.err" &
	pid=$!
	track_pid "$pid"
	# 2 s to warm up (allocator arenas, first stats), then the rest
	sleep 2
	rss_early="$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")"
	sleep "$((STRESS_EVENTS - 2))"
	rss_late="$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")"
	kill "$pid"
	wait "$pid" || true
	local n
	n="$(wc -l <"$TEST_TMP/events.out")"
	echo "# events: $n lines; VmRSS ${rss_early} kB at 2 s, ${rss_late} kB at ${STRESS_EVENTS} s" >&3
	[ "$n" -gt 10 ] || {
		echo "events printed $n lines: $(cat "$TEST_TMP/events.err")" >&2
		false
	}
	head -n 1 "$TEST_TMP/events.out" | jq -e '.type == "stats" and (.data.memory | type == "object")' >/dev/null
	# small growth only: 256 kB over ~800 stats rounds is < 330 bytes a
	# round. Not under AddressSanitizer: its quarantine keeps freed memory
	# (up to 256 MB), and LeakSanitizer checks leaks there anyway.
	if grep -q __asan_init "$RUNTIME" 2>/dev/null; then
		echo "# (ASan build: growth not checked)" >&3
	else
		[ "$((rss_late - rss_early))" -le 256 ] || {
			echo "VmRSS grew from $rss_early kB to $rss_late kB" >&2
			false
		}
	fi
	rt delete -f "$ID"
	assert_all_gone
}
