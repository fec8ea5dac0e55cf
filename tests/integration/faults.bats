#!/usr/bin/env bats
# Faults: the runtime or the container init dies at each fault point
# (OCIRUN_FAULT, src/lib/base/fault.h), a hook hangs, the state dir's disk is
# full, a cgroup limit cannot be set. Each must fail with a clear error, and
# after `delete --force` the host must be as before: no state dir, no cgroup
# dir on any hierarchy, no mount mentioning the bundle, no process in the
# rootfs or naming the container. The same ID must then be usable again.

load helpers

# Processes whose root is DIR (one stat(1) for all of /proc).
procs_in() {
	local want
	want="$(stat -c %d:%i "$1" 2>/dev/null)" || return 0
	stat -L -c '%d:%i %n' /proc/[0-9]*/root/ 2>/dev/null | awk -v w="$want" '$1 == w {print $2}'
}

# Processes whose command line names ID (an intermediate, a hook, a runtime
# that did not exit). The pattern is written "o[c]it-..." so that grep does
# not find its own command line.
procs_naming() {
	local pat="${1:0:1}[${1:1:1}]${1:2}" f p
	for f in $(grep -lsa -- "$pat" /proc/[0-9]*/cmdline); do
		p="${f#/proc/}"
		p="${p%/cmdline}"
		echo "$p $(tr '\0' ' ' <"$f" 2>/dev/null)"
	done
}

# host_state ID: everything of container ID the host holds, one item per
# line; empty when the host is clean.
host_state() {
	local id="${1:-$ID}"
	[ -e "$TEST_ROOT/$id" ] && echo "state dir: $TEST_ROOT/$id"
	_cgroups_of "$id" | sed 's/^/cgroup: /'
	grep -F -- "$BUNDLE" /proc/self/mountinfo | sed 's/^/mount: /'
	procs_in "$BUNDLE/rootfs" | sed 's/^/process in rootfs: /'
	procs_naming "$id" | sed 's/^/process: /'
	return 0
}

# assert_clean [ID]: host_state is empty.
assert_clean() {
	local s
	s="$(host_state "$@")"
	[ -z "$s" ] || {
		echo "left on the host:" >&2
		echo "$s" >&2
		return 1
	}
}

# fault_points: every fault_point("...") in the sources, else the list of
# src/lib/base/fault.h at the time of writing.
fault_points() {
	local p
	p="$(grep -rhoE 'fault_point\("[a-z0-9-]+"\)' "$REPO/src" 2>/dev/null | sed -E 's/.*\("(.*)"\)/\1/' | sort -u)"
	[ -n "$p" ] || p="create-state-dir create-cgroup create-clone create-go create-ready create-done init-mounts init-ready start-fifo"
	echo $p
}

# faulty_create POINT ID: create ID with OCIRUN_FAULT=POINT; must fail.
faulty_create() {
	local st=0
	OCIRUN_FAULT="$1" rt create -b "$BUNDLE" "$2" </dev/null >"$TEST_TMP/$2.out" 2>"$TEST_TMP/$2.err" || st=$?
	[ "$st" -ne 0 ] || {
		echo "create with OCIRUN_FAULT=$1 succeeded" >&2
		return 1
	}
}

@test "faults: every fault point: create fails, delete --force leaves the host clean, the ID is reusable" {
	requires_ocirun
	local p id bad=() s
	set_args sleep 100
	for p in $(fault_points); do
		id="$ID-$p"
		assert_clean "$id"
		case "$p" in
		create-* | init-*)
			faulty_create "$p" "$id" || bad+=("$p: create did not fail")
			;;
		start-*)
			create_ctr "$id" || {
				bad+=("$p: create failed")
				continue
			}
			s=0
			OCIRUN_FAULT="$p" rt start "$id" </dev/null >/dev/null 2>&1 || s=$?
			[ "$s" -ne 0 ] || bad+=("$p: start did not fail")
			;;
		*)
			bad+=("$p: no test for this kind of fault point (add one to faults.bats)")
			continue
			;;
		esac
		rt delete --force "$id" >"$TEST_TMP/del.out" 2>&1 || bad+=("$p: delete --force failed: $(cat "$TEST_TMP/del.out")")
		s="$(host_state "$id")"
		[ -z "$s" ] || bad+=("$p: after delete --force: $(tr '\n' ';' <<<"$s")")
		# the same ID again, without the fault
		if create_ctr "$id"; then
			rt delete --force "$id" >/dev/null 2>&1 || bad+=("$p: delete of the second create failed")
			s="$(host_state "$id")"
			[ -z "$s" ] || bad+=("$p: after the second create and delete: $(tr '\n' ';' <<<"$s")")
		else
			bad+=("$p: create of the same ID after delete --force failed: $(cat "$TEST_TMP/$id.err")")
		fi
		echo "# $p: done" >&3
	done
	[ "${#bad[@]}" -eq 0 ] || {
		printf '%s\n' "${bad[@]}" >&2
		return 1
	}
}

@test "faults: a fault before the state file: state and list cope, delete --force cleans" {
	requires_ocirun
	faulty_create create-state-dir "$ID"
	# a state dir without state.json: list must not fail because of it
	run_rt list
	[ "$status" -eq 0 ]
	run_rt delete --force "$ID"
	[ "$status" -eq 0 ]
	assert_clean
}

@test "faults: the runtime killed after clone: its init does not outlive it" {
	requires_ocirun
	set_args sleep 100
	faulty_create create-go "$ID"
	# the init dies with the runtime (PDEATHSIG) or waits for GO forever;
	# either way delete --force must leave nothing
	run_rt delete --force "$ID"
	[ "$status" -eq 0 ]
	assert_clean
}

@test "faults: the init dies between create and start" {
	set_args sleep 100
	create_ctr
	local pid
	pid="$(ctr_pid "$ID")"
	kill -KILL "$pid"
	wait_for_exit "$pid"
	run_rt --separate-stderr start "$ID"
	[ "$status" -ne 0 ]
	[ -n "$stderr" ]
	if [ "$RUNTIME_NAME" != runc ]; then
		assert_eq "$(grep -c . <<<"$stderr")" 1 "lines on stderr"
	fi
	wait_for_status "$ID" stopped
	run_rt delete "$ID"
	[ "$status" -eq 0 ]
	assert_clean
}

@test "faults: the init dies during start (a failing startContainer hook)" {
	runc_gap "start exits 0 although a startContainer hook failed"
	set_args sleep 100
	update_config '.hooks.startContainer = [{"path": "/bin/false"}]'
	create_ctr
	run_rt --separate-stderr start "$ID"
	[ "$status" -ne 0 ]
	[ -n "$stderr" ]
	if [ "$RUNTIME_NAME" != runc ]; then
		assert_eq "$(grep -c . <<<"$stderr")" 1 "lines on stderr"
		assert_contains "$stderr" startContainer
	fi
	run_rt delete --force "$ID"
	[ "$status" -eq 0 ]
	assert_clean
	create_ctr_ok_again
}

# create_ctr_ok_again: the same ID works again once the hooks are gone.
create_ctr_ok_again() {
	update_config 'del(.hooks)'
	create_ctr
	rt delete --force "$ID"
	assert_clean
}

@test "faults: a prestart hook that hangs is killed at its timeout" {
	# A uniquely named link to sleep(1): its command line names this test.
	local hook="$TEST_TMP/hang-$ID"
	ln -s "$(command -v sleep)" "$hook"
	update_config '.hooks.prestart = [{"path": $h, "args": [$h, "1000"], "timeout": 1}]' --arg h "$hook"
	set_args sleep 100
	run_rt --separate-stderr create -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	if [ "$RUNTIME_NAME" != runc ]; then
		assert_eq "$(grep -c . <<<"$stderr")" 1 "lines on stderr"
		assert_contains "$stderr" prestart
		assert_contains "$stderr" timeout
	fi
	# the hook itself is gone, not left sleeping
	local p
	p="$(procs_naming "hang-$ID")"
	[ -z "$p" ] || {
		echo "hook still running: $p" >&2
		return 1
	}
	rt delete --force "$ID" >/dev/null 2>&1 || true
	assert_clean
	create_ctr_ok_again
}

# full_root: $TEST_ROOT on a 64 KiB tmpfs (unmounted in teardown) that is
# then filled up.
full_root() {
	local mnt="$TEST_TMP/small"
	mkdir -p "$mnt"
	mount -t tmpfs -o size=64k,mode=0700 ocirun-test-full "$mnt"
	on_teardown umount -l "$mnt"
	TEST_ROOT="$mnt/state"
	mkdir -p "$TEST_ROOT"
}

# fill: no byte left on that tmpfs.
fill() {
	dd if=/dev/zero of="$TEST_TMP/small/filler" bs=4k >/dev/null 2>&1 || true
}

@test "faults: a full disk for the state dir: create fails cleanly" {
	full_root
	fill
	run_rt --separate-stderr create -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	if [ "$RUNTIME_NAME" != runc ]; then
		assert_eq "$(grep -c . <<<"$stderr")" 1 "lines on stderr"
		assert_contains "$stderr" "No space left on device"
	fi
	assert_clean
	# with room again, the same ID works
	rm -f "$TEST_TMP/small/filler"
	create_ctr
	rt delete --force "$ID"
	assert_clean
}

@test "faults: a full disk after create: start, state and delete --force still work" {
	full_root
	set_args sleep 100
	create_ctr
	fill
	# start may fail for want of space, but must leave a container delete can remove
	rt start "$ID" </dev/null >/dev/null 2>&1 || true
	run_rt state "$ID"
	[ "$status" -eq 0 ]
	run_rt delete --force "$ID"
	[ "$status" -eq 0 ]
	assert_clean
}

@test "faults: run on a full disk fails cleanly" {
	full_root
	fill
	run_rt run -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	assert_clean
}

@test "faults: a cgroup limit that cannot be set (cpuset.cpus 999)" {
	update_config '.linux.resources.cpu = {"cpus": "999"}'
	run_rt --separate-stderr create -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	if [ "$RUNTIME_NAME" != runc ]; then
		assert_eq "$(grep -c . <<<"$stderr")" 1 "lines on stderr"
		assert_contains "$stderr" linux.resources.cpu.cpus
	fi
	assert_clean
	update_config 'del(.linux.resources.cpu)'
	create_ctr
	rt delete --force "$ID"
	assert_clean
}

@test "faults: a memory limit the init cannot live with fails create cleanly" {
	requires memory
	# 1 byte: the kernel rounds it to a page; the init is OOM-killed in set-up
	update_config '.linux.resources.memory = {"limit": 1}'
	run_rt --separate-stderr create -b "$BUNDLE" "$ID"
	if [ "$status" -eq 0 ]; then
		# a runtime that set the limit only after the init's set-up
		rt delete --force "$ID"
	fi
	[ -n "$stderr" ] || [ "$status" -eq 0 ]
	assert_clean
}
