#!/usr/bin/env bats
# Cgroups: the container's cgroup, resource limits seen from the host and
# from inside, the device controller, and clean-up.

load helpers

setup() {
	setup_common
	make_bundle
	set_args sleep 1000
}

teardown() {
	teardown_common
}

@test "cgroups: the init process is in a cgroup of its own" {
	start_detached
	local pid dir
	pid="$(ctr_pid "$ID")"
	dir="$(cgroup_dir "$pid" pids)"
	[ -d "$dir" ]
	# Not the runtime's (the test's) cgroup, and the init is listed in it.
	[ "$dir" != "$(cgroup_dir $$ pids)" ]
	grep -qx "$pid" "$dir/cgroup.procs"
	rt delete -f "$ID"
	[ ! -d "$dir" ]
	assert_no_leftovers
}

@test "cgroups: an absolute cgroupsPath is used as is" {
	update_config '.linux.cgroupsPath = $p' --arg p "/$ID-cg"
	start_detached
	local pid
	pid="$(ctr_pid "$ID")"
	# In each hierarchy (pids and memory at least) its path is cgroupsPath.
	local ctrl path
	for ctrl in pids memory; do
		if cgroup_v1 "$ctrl"; then
			path="$(awk -F: -v c="$ctrl" '$2 == c {print $3}' "/proc/$pid/cgroup")"
		else
			path="$(awk -F: '$1 == "0" {print $3}' "/proc/$pid/cgroup")"
		fi
		assert_eq "$path" "/$ID-cg" "$ctrl cgroup of init"
	done
	rt delete -f "$ID"
	assert_no_leftovers
}

@test "cgroups: memory limit" {
	requires memory
	update_config '.linux.resources.memory = {"limit": 33554432}'
	start_detached
	local dir
	dir="$(cgroup_dir "$(ctr_pid "$ID")" memory)"
	if cgroup_v1 memory; then
		assert_eq "$(cat "$dir/memory.limit_in_bytes")" 33554432 memory.limit_in_bytes
	else
		assert_eq "$(cat "$dir/memory.max")" 33554432 memory.max
	fi
}

@test "cgroups: pids limit is set and enforced" {
	requires pids
	update_config '.linux.resources.pids = {"limit": 10}'
	start_detached
	local dir
	dir="$(cgroup_dir "$(ctr_pid "$ID")" pids)"
	assert_eq "$(cat "$dir/pids.max")" 10 pids.max
	rt delete -f "$ID"

	# Inside: starting 20 background processes stops at the limit.
	# Only builtins after the sleeps: no fork is left to count with.
	set_args sh -c 'for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
		sleep 1000 & done 2>/dev/null; set -- /proc/[0-9]*; echo $#'
	run_ctr_sep
	[ "$status" -eq 0 ]
	[ "$output" -le 10 ]
	[ "$output" -ge 2 ]
}

@test "cgroups: cpu shares" {
	requires cpu
	update_config '.linux.resources.cpu = {"shares": 512}'
	start_detached
	local dir
	dir="$(cgroup_dir "$(ctr_pid "$ID")" cpu)"
	if cgroup_v1 cpu; then
		assert_eq "$(cat "$dir/cpu.shares")" 512 cpu.shares
	else
		# The conversion runc and crun use: 1 + (shares - 2) * 9999 / 262142.
		assert_eq "$(cat "$dir/cpu.weight")" 20 cpu.weight
	fi
}

@test "cgroups: cpu quota and period" {
	requires cpu
	update_config '.linux.resources.cpu = {"quota": 50000, "period": 100000}'
	start_detached
	local dir
	dir="$(cgroup_dir "$(ctr_pid "$ID")" cpu)"
	if cgroup_v1 cpu; then
		assert_eq "$(cat "$dir/cpu.cfs_quota_us")" 50000 cpu.cfs_quota_us
		assert_eq "$(cat "$dir/cpu.cfs_period_us")" 100000 cpu.cfs_period_us
	else
		assert_eq "$(cat "$dir/cpu.max")" "50000 100000" cpu.max
	fi
}

@test "cgroups: a device not allowed cannot be opened, even after mknod" {
	# CAP_MKNOD lets the container create the node; the device controller
	# must still refuse to open it. 10:229 is /dev/fuse.
	update_config '.process.capabilities.bounding += ["CAP_MKNOD"]
		| .process.capabilities.effective += ["CAP_MKNOD"]
		| .process.capabilities.permitted += ["CAP_MKNOD"]'
	set_args sh -c 'exec 2>&1; mknod /tmp/dev c 10 229 && echo made; exec 3<>/tmp/dev && echo opened'
	run_ctr
	[ "$status" -ne 0 ]
	assert_eq "${lines[0]}" made
	assert_contains "$output" "Operation not permitted"
	assert_not_contains "$output" opened
}

@test "cgroups: linux.resources.devices can allow a device" {
	[ -c /dev/fuse ] || skip "needs /dev/fuse on the host"
	update_config '.process.capabilities.bounding += ["CAP_MKNOD"]
		| .process.capabilities.effective += ["CAP_MKNOD"]
		| .process.capabilities.permitted += ["CAP_MKNOD"]
		| .linux.resources.devices += [{"allow": true, "type": "c", "major": 10, "minor": 229, "access": "rwm"}]'
	set_args sh -c 'exec 2>&1; mknod /tmp/dev c 10 229 && exec 3<>/tmp/dev && echo opened'
	run_ctr
	[ "$status" -eq 0 ]
	assert_eq "$output" opened
}

@test "cgroups: the default devices (null, zero, tty...) are allowed" {
	# `true` takes the redirection: a failed one is not fatal to the shell.
	set_args sh -c 'exec 2>&1; for d in null zero full random urandom tty; do true 3<>/dev/$d && echo "$d ok"; done; true'
	run_ctr
	[ "$status" -eq 0 ]
	# /dev/tty has no controlling terminal here: ENXIO, not EPERM.
	assert_not_contains "$output" "Operation not permitted"
	assert_contains "$output" "urandom ok"
	assert_contains "$output" "null ok"
}

@test "cgroups: a cgroup namespace hides the host's cgroup paths" {
	requires cgroupns
	add_ns cgroup
	set_args cat /proc/self/cgroup
	run_ctr
	[ "$status" -eq 0 ]
	assert_not_contains "$output" "$ID"
}

@test "cgroups: removed when the container is deleted" {
	start_detached
	local pid dirs
	pid="$(ctr_pid "$ID")"
	dirs="$(_cgroups_of "$ID")"
	[ -n "$dirs" ]
	rt kill "$ID" KILL
	wait_for_status "$ID" stopped
	rt delete "$ID"
	local d
	for d in $dirs; do
		[ ! -d "$d" ] || {
			echo "cgroup left: $d" >&2
			return 1
		}
	done
	assert_no_leftovers
}
