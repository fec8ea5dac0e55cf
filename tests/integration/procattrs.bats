#!/usr/bin/env bats
# Process attributes beyond credentials: time namespace offsets, personality,
# scheduler, ioPriority, CPU affinity, memoryPolicy; the LSM fields a host may
# lack (AppArmor, SELinux, Intel RDT), refused or ignored as runc does.

load helpers

@test "procattrs: linux.timeOffsets shift boottime and monotonic clocks in a time namespace" {
	runc_gap "no time namespace support"
	update_config '.linux.namespaces += [{"type": "time"}]
		| .linux.timeOffsets = {"boottime": {"secs": 864000, "nanosecs": 0}, "monotonic": {"secs": 3600, "nanosecs": 0}}'
	set_args sh -c 'cut -d. -f1 /proc/uptime; cat /proc/self/timens_offsets'
	run_ctr
	[ "$status" -eq 0 ]
	local host
	host="$(cut -d. -f1 /proc/uptime)"
	[ "${lines[0]}" -ge $((host + 864000)) ]
	[[ "$output" =~ monotonic[[:space:]]+3600[[:space:]] ]]
}

@test "procattrs: linux.timeOffsets with a new user namespace" {
	runc_gap "no time namespace support"
	userns_config
	update_config '.linux.namespaces += [{"type": "time"}]
		| .linux.timeOffsets = {"monotonic": {"secs": 7881, "nanosecs": 2718281}}'
	set_args cat /proc/self/timens_offsets
	run_ctr
	[ "$status" -eq 0 ]
	[[ "$output" =~ monotonic[[:space:]]+7881[[:space:]]+2718281 ]]
}

@test "procattrs: linux.personality LINUX32 makes uname report a 32-bit machine" {
	runc_gap "linux.personality ignored"
	update_config '.linux.personality = {"domain": "LINUX32"}'
	set_args uname -m
	run_ctr
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^i[3-6]86$ ]]
}

@test "procattrs: process.scheduler sets the policy and nice value" {
	runc_gap "process.scheduler ignored"
	update_config '.process.scheduler = {"policy": "SCHED_BATCH", "nice": 7}'
	set_args sh -c 'grep -E "^(policy|prio) " /proc/self/sched'
	run_ctr
	[ "$status" -eq 0 ]
	assert_contains "$output" "policy"
	[[ "$(awk '/^policy/ {print $3}' <<<"$output")" == 3 ]]
	[[ "$(awk '/^prio/ {print $3}' <<<"$output")" == 127 ]]
}

@test "procattrs: process.ioPriority sets the I/O class and level" {
	runc_gap "process.ioPriority ignored"
	update_config '.process.ioPriority = {"class": "IOPRIO_CLASS_BE", "priority": 6}'
	set_args sh -c 'ionice -p $$'
	run_ctr
	[ "$status" -eq 0 ]
	assert_contains "$output" "best-effort: prio 6"
}

@test "procattrs: process.execCPUAffinity applies initial, then final at exec" {
	runc_gap "process.execCPUAffinity ignored"
	[ "$(nproc)" -ge 2 ] || skip "needs 2 CPUs"
	update_config '.process.execCPUAffinity = {"initial": "0", "final": "1"}'
	set_args sh -c 'grep Cpus_allowed_list /proc/self/status'
	run_ctr
	[ "$status" -eq 0 ]
	assert_contains "$output" "Cpus_allowed_list:	1"
}

@test "procattrs: the runtime's CPU affinity is not inherited (run and exec), the cpuset is" {
	[ "$(nproc)" -ge 2 ] || skip "needs 2 CPUs"
	local all
	all="$(awk '/^Cpus_allowed_list/ {print $2}' /proc/self/status)"
	set_args sh -c 'grep Cpus_allowed_list /proc/self/status'
	run taskset -c 0 "$RUNTIME" --root "$TEST_ROOT" run -b "$BUNDLE" "$ID" </dev/null
	[ "$status" -eq 0 ]
	assert_eq "$output" "Cpus_allowed_list:	$all" "affinity of the init under taskset -c 0"
	set_args sleep 1000
	start_detached
	run taskset -c 0 "$RUNTIME" --root "$TEST_ROOT" exec "$ID" grep Cpus_allowed_list /proc/self/status
	[ "$status" -eq 0 ]
	assert_eq "$output" "Cpus_allowed_list:	$all" "affinity of an exec under taskset -c 0"
	requires cgroup_v1
	rt delete -f "$ID"
	update_config '.linux.resources.cpu = {"cpus": "1"}'
	set_args sh -c 'grep Cpus_allowed_list /proc/self/status'
	run taskset -c 0 "$RUNTIME" --root "$TEST_ROOT" run -b "$BUNDLE" "$ID" </dev/null
	[ "$status" -eq 0 ]
	assert_eq "$output" "Cpus_allowed_list:	1" "affinity with cpuset.cpus 1"
}

@test "procattrs: linux.memoryPolicy binds memory to node 0" {
	runc_gap "linux.memoryPolicy ignored"
	update_config '.linux.memoryPolicy = {"mode": "MPOL_BIND", "nodes": "0"}'
	set_args sh -c 'grep -c bind /proc/self/numa_maps'
	run_ctr
	[ "$status" -eq 0 ]
	[ "$output" -gt 0 ]
}

@test "procattrs: bad values are refused with the field named and nothing left" {
	requires_ocirun
	local bad
	for bad in '.process.scheduler = {"policy": "SCHED_FOO"}' \
		'.process.ioPriority = {"class": "IOPRIO_CLASS_XX", "priority": 1}' \
		'.process.execCPUAffinity = {"initial": "3-1"}' \
		'.linux.personality = {"domain": "PER_BSD"}' \
		'.linux.memoryPolicy = {"mode": "MPOL_NOPE"}'; do
		update_config 'del(.process.scheduler, .process.ioPriority, .process.execCPUAffinity, .linux.personality, .linux.memoryPolicy)'
		update_config "$bad"
		run_rt run -b "$BUNDLE" "$ID"
		echo "$bad -> $output"
		[ "$status" -ne 0 ]
		[ "${#lines[@]}" -eq 1 ]
		local field="${bad%% =*}"
		assert_contains "$output" "${field#.}"
		assert_no_leftovers
	done
}

@test "procattrs: linux.memoryPolicy is checked up front, in runc's words (podman matches them)" {
	requires_ocirun
	local -a cases=(
		'{}|linux.memoryPolicy.mode: invalid memory policy mode ""'
		'{"mode": "INTERLEAVE", "nodes": "0"}|linux.memoryPolicy.mode: invalid memory policy mode "INTERLEAVE"'
		'{"mode": "MPOL_PREFERRED", "nodes": "0", "flags": ["MPOL_F_RELATIVE_NODES", "badflag"]}|linux.memoryPolicy.flags[1]: invalid memory policy flag "badflag"'
		'{"mode": "MPOL_DEFAULT", "nodes": "0-7"}|linux.memoryPolicy.nodes: memory policy mode requires 0 nodes but got 8'
		'{"mode": "MPOL_LOCAL", "nodes": "0"}|memory policy mode requires 0 nodes but got 1'
		'{"mode": "MPOL_BIND"}|linux.memoryPolicy.nodes: memory policy mode requires at least one node but got 0'
		'{"mode": "MPOL_BIND", "nodes": "0-9876543210"}|linux.memoryPolicy.nodes: invalid memory policy node 9876543210'
		'{"mode": "MPOL_BIND", "nodes": "1-0"}|linux.memoryPolicy.nodes: invalid memory policy node list "1-0"'
	)
	local c
	for c in "${cases[@]}"; do
		update_config '.linux.memoryPolicy = ($p | fromjson)' --arg p "${c%%|*}"
		run_rt run -b "$BUNDLE" "$ID"
		echo "${c%%|*} -> $output"
		[ "$status" -ne 0 ]
		[ "${#lines[@]}" -eq 1 ]
		assert_contains "$output" "${c#*|}"
		assert_no_leftovers
	done
}

@test "procattrs: SCHED_DEADLINE with a cpuset of some CPUs names both fields, in runc's words" {
	requires_ocirun
	[ "$(nproc --all)" -ge 2 ] || skip "needs two CPUs"
	update_config '.linux.resources.cpu.cpus = "0"
		| .process.scheduler = {"policy": "SCHED_DEADLINE", "runtime": 42000, "deadline": 1000000, "period": 1000000}'
	run_ctr true
	[ "$status" -ne 0 ]
	[ "${#lines[@]}" -eq 1 ]
	assert_contains "$output" "process.scheduler: process scheduler can't be used together with AllowedCPUs"
	assert_contains "$output" 'linux.resources.cpu.cpus "0"'
	assert_no_leftovers
}

@test "procattrs: apparmorProfile and intelRdt are refused on a host without them" {
	requires_ocirun
	[ "$(cat /sys/module/apparmor/parameters/enabled 2>/dev/null)" != Y ] || skip "AppArmor is enabled here"
	update_config '.process.apparmorProfile = "docker-default"'
	run_rt run -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	assert_contains "$output" "process.apparmorProfile"
	assert_contains "$output" "AppArmor is not enabled"
	update_config 'del(.process.apparmorProfile) | .linux.intelRdt = {"closID": "x"}'
	run_rt run -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	assert_contains "$output" "linux.intelRdt"
	assert_no_leftovers
}

@test "procattrs: selinuxLabel and mountLabel are ignored without SELinux, as runc does" {
	runc_gap "mountLabel refused without SELinux"
	[ ! -d /sys/fs/selinux ] || skip "SELinux is present"
	update_config '.process.selinuxLabel = "system_u:system_r:container_t:s0" | .linux.mountLabel = "system_u:object_r:container_file_t:s0"'
	run_ctr true
	[ "$status" -eq 0 ]
}
