#!/usr/bin/env bats
# Newer and rarer fields: time namespace offsets, personality, scheduler,
# ioPriority, execCPUAffinity, memoryPolicy; and fields this host cannot do
# are refused with a reason.

load helpers

setup() {
	setup_common
	make_bundle
}

teardown() {
	teardown_common
}

@test "newer: linux.timeOffsets shift boottime and monotonic clocks in a time namespace" {
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

@test "newer: linux.timeOffsets with a new user namespace" {
	runc_gap "no time namespace support"
	userns_config
	update_config '.linux.namespaces += [{"type": "time"}]
		| .linux.timeOffsets = {"monotonic": {"secs": 7881, "nanosecs": 2718281}}'
	set_args cat /proc/self/timens_offsets
	run_ctr
	[ "$status" -eq 0 ]
	[[ "$output" =~ monotonic[[:space:]]+7881[[:space:]]+2718281 ]]
}

@test "newer: linux.personality LINUX32 makes uname report a 32-bit machine" {
	runc_gap "linux.personality ignored"
	update_config '.linux.personality = {"domain": "LINUX32"}'
	set_args uname -m
	run_ctr
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^i[3-6]86$ ]]
}

@test "newer: process.scheduler sets the policy and nice value" {
	runc_gap "process.scheduler ignored"
	update_config '.process.scheduler = {"policy": "SCHED_BATCH", "nice": 7}'
	set_args sh -c 'grep -E "^(policy|prio) " /proc/self/sched'
	run_ctr
	[ "$status" -eq 0 ]
	assert_contains "$output" "policy"
	[[ "$(awk '/^policy/ {print $3}' <<<"$output")" == 3 ]]
	[[ "$(awk '/^prio/ {print $3}' <<<"$output")" == 127 ]]
}

@test "newer: process.ioPriority sets the I/O class and level" {
	runc_gap "process.ioPriority ignored"
	update_config '.process.ioPriority = {"class": "IOPRIO_CLASS_BE", "priority": 6}'
	set_args sh -c 'ionice -p $$'
	run_ctr
	[ "$status" -eq 0 ]
	assert_contains "$output" "best-effort: prio 6"
}

@test "newer: process.execCPUAffinity applies initial, then final at exec" {
	runc_gap "process.execCPUAffinity ignored"
	[ "$(nproc)" -ge 2 ] || skip "needs 2 CPUs"
	update_config '.process.execCPUAffinity = {"initial": "0", "final": "1"}'
	set_args sh -c 'grep Cpus_allowed_list /proc/self/status'
	run_ctr
	[ "$status" -eq 0 ]
	assert_contains "$output" "Cpus_allowed_list:	1"
}

@test "newer: the runtime's CPU affinity is not inherited (run and exec), the cpuset is" {
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

@test "newer: linux.memoryPolicy binds memory to node 0" {
	runc_gap "linux.memoryPolicy ignored"
	update_config '.linux.memoryPolicy = {"mode": "MPOL_BIND", "nodes": "0"}'
	set_args sh -c 'grep -c bind /proc/self/numa_maps'
	run_ctr
	[ "$status" -eq 0 ]
	[ "$output" -gt 0 ]
}

@test "newer: bad values are refused with the field named and nothing left" {
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

@test "newer: linux.memoryPolicy is checked up front, in runc's words (podman matches them)" {
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

@test "newer: SCHED_DEADLINE with a cpuset of some CPUs names both fields, in runc's words" {
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

@test "newer: apparmorProfile and intelRdt are refused on a host without them" {
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

@test "newer: selinuxLabel and mountLabel are ignored without SELinux, as runc does" {
	runc_gap "mountLabel refused without SELinux"
	[ ! -d /sys/fs/selinux ] || skip "SELinux is present"
	update_config '.process.selinuxLabel = "system_u:system_r:container_t:s0" | .linux.mountLabel = "system_u:object_r:container_file_t:s0"'
	run_ctr true
	[ "$status" -eq 0 ]
}

@test "newer: linux.netDevices moves a host link into the container and renames it" {
	requires_ocirun
	local host="oci${BATS_TEST_NUMBER}a$$" peer="oci${BATS_TEST_NUMBER}b$$"
	host="${host:0:15}" peer="${peer:0:15}"
	ip link add "$host" type veth peer name "$peer" || skip "cannot create a veth pair here"
	on_teardown ip link del "$peer"
	on_teardown ip link del "$host"
	update_config '.linux.netDevices = {($h): {"name": "ctr0"}}' --arg h "$host"
	set_args sh -c 'ip -o link show ctr0 | cut -d: -f2'
	run_ctr
	[ "$status" -eq 0 ]
	assert_contains "$output" "ctr0"
	# it left the host's namespace (and, a veth end, died with the container's)
	run ip link show "$host"
	[ "$status" -ne 0 ]
}

@test "newer: linux.netDevices into a network namespace joined by path keeps the link's addresses" {
	requires_ocirun
	local host="oci${BATS_TEST_NUMBER}a$$" peer="oci${BATS_TEST_NUMBER}b$$" holder
	host="${host:0:15}" peer="${peer:0:15}"
	ip link add "$host" type veth peer name "$peer" || skip "cannot create a veth pair here"
	on_teardown ip link del "$peer"
	unshare --net sleep 1000 &
	holder=$!
	track_pid "$holder"
	wait_for_file "/proc/$holder/ns/net"
	until [ "$(readlink "/proc/$holder/ns/net")" != "$(readlink /proc/self/ns/net)" ]; do sleep 0.05; done
	# a global address (kept, with its broadcast) and a host-scoped one (dropped, as runc does)
	ip address add 169.254.169.77/24 broadcast 169.254.169.255 dev "$host"
	ip address add 127.0.0.33/8 dev "$host"
	add_ns network "/proc/$holder/ns/net"
	update_config '.linux.netDevices = {($h): {"name": "ctr0"}}' --arg h "$host"
	set_args sh -c 'ip -o address show dev ctr0; ip -o link show ctr0'
	run_ctr
	[ "$status" -eq 0 ]
	assert_contains "$output" "inet 169.254.169.77/24 brd 169.254.169.255 scope global ctr0"
	assert_not_contains "$output" "127.0.0.33"
	[[ "$output" =~ ctr0@[^:]*:\ \<[^\>]*UP ]]
	# the link stays in the namespace, which the container does not own
	run nsenter -t "$holder" -n ip -o address show dev ctr0
	[ "$status" -eq 0 ]
	assert_contains "$output" "169.254.169.77/24"
}

@test "newer: linux.netDevices naming a missing host link is refused before anything exists" {
	requires_ocirun
	update_config '.linux.netDevices = {"nosuchlink0": {}}'
	run_rt run -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	assert_contains "$output" "linux.netDevices"
	assert_contains "$output" "nosuchlink0"
	assert_no_leftovers
}

@test "newer: seccomp SCMP_ACT_NOTIFY hands the listener fd and the state to listenerPath" {
	requires_ocirun
	local agent="$REPO/build/tests/seccomp_agent" sock="$TEST_TMP/agent.sock"
	[ -x "$agent" ] || make -C "$REPO" -s helpers >/dev/null
	# the agent answers every notified syscall with EHOSTDOWN (112)
	"$agent" "$sock" "$TEST_TMP/agent.state" 112 &
	track_pid $!
	wait_for_file "$sock"
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": $p,
		"listenerMetadata": "hello-agent",
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_NOTIFY"}]}' --arg p "$sock"
	set_args sh -c 'mkdir /tmp/x 2>&1; echo rc=$?'
	run_ctr
	[ "$status" -eq 0 ]
	assert_contains "$output" "Host is down"
	run jq -r '.metadata, .fds[0], .state.id, (.pid > 0)' "$TEST_TMP/agent.state"
	assert_eq "${lines[0]}" hello-agent
	assert_eq "${lines[1]}" seccompFd
	assert_eq "${lines[2]}" "$ID"
	assert_eq "${lines[3]}" true
	assert_no_leftovers
}

@test "newer: SCMP_ACT_NOTIFY without listenerPath is refused" {
	requires_ocirun
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}]}'
	run_rt run -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	assert_contains "$output" "listenerPath"
	assert_no_leftovers
}

@test "newer: SCMP_ACT_NOTIFY with no agent at listenerPath fails in runc's words, nothing left" {
	requires_ocirun
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": $p,
		"syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}]}' --arg p "$TEST_TMP/no-agent.sock"
	run_rt run -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	assert_contains "$output" "linux.seccomp.listenerPath: failed to connect with seccomp agent"
	assert_contains "$output" "No such file or directory"
	assert_no_leftovers
}

@test "newer: without a mount namespace the root is chroot'ed and nothing is mounted on the host" {
	requires_ocirun
	update_config '.linux.namespaces = [{"type": "pid"}, {"type": "uts"}]'
	set_args sh -c 'ls /bin/busybox && echo in-root'
	local before
	before="$(wc -l </proc/self/mountinfo)"
	run_ctr
	[ "$status" -eq 0 ]
	assert_contains "$output" "in-root"
	assert_contains "$output" "no mount namespace"
	assert_eq "$(wc -l </proc/self/mountinfo)" "$before" "host mount count"
	assert_no_leftovers
}

@test "newer: rootfsPropagation unbindable makes the container's root unbindable" {
	runc_gap "unbindable root propagation fails the root bind"
	update_config '.linux.rootfsPropagation = "unbindable" | .process.capabilities.bounding += ["CAP_SYS_ADMIN"]
		| .process.capabilities.effective += ["CAP_SYS_ADMIN"] | .process.capabilities.permitted += ["CAP_SYS_ADMIN"]'
	set_args sh -c 'mkdir -p /tmp/b; mount --bind / /tmp/b 2>&1; echo rc=$?; awk "\$5 == \"/\"" /proc/self/mountinfo'
	run_ctr
	[ "$status" -eq 0 ]
	assert_contains "$output" "Invalid argument"
	assert_contains "$output" "unbindable"
}

@test "newer: a tmpfs with tmpcopyup starts with the image's content and leaves the image alone" {
	requires_ocirun
	mkdir -p "$BUNDLE/rootfs/data/sub"
	echo from-image >"$BUNDLE/rootfs/data/sub/file"
	ln -s sub/file "$BUNDLE/rootfs/data/link"
	chmod 750 "$BUNDLE/rootfs/data"
	add_mount '{"destination": "/data", "type": "tmpfs", "source": "tmpfs", "options": ["rw", "nosuid", "nodev", "tmpcopyup"]}'
	update_config '.root.readonly = true'
	set_args sh -c 'cat /data/link; stat -c %a /data; echo new > /data/new && echo writable; grep " /data " /proc/self/mounts | cut -d" " -f3'
	run_ctr
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" from-image
	assert_eq "${lines[1]}" 750
	assert_eq "${lines[2]}" writable
	assert_eq "${lines[3]}" tmpfs
	[ ! -e "$BUNDLE/rootfs/data/new" ]
}
