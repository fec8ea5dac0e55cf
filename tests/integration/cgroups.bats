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

@test "cgroups: a second container in an occupied cgroup is refused; the first is untouched" {
	update_config '.linux.cgroupsPath = $p' --arg p "/$ID-cg"
	set_args sleep 1000
	start_detached
	local pid
	pid="$(ctr_pid "$ID")"
	run_rt run -d -b "$BUNDLE" "$ID-2"
	[ "$status" -ne 0 ]
	assert_contains "$output" "container's cgroup is not empty"
	run_rt create -b "$BUNDLE" "$ID-3"
	[ "$status" -ne 0 ]
	assert_contains "$output" "container's cgroup is not empty"
	[ ! -e "$TEST_ROOT/$ID-2" ] && [ ! -e "$TEST_ROOT/$ID-3" ]
	assert_eq "$(ctr_status "$ID")" running "first container"
	kill -0 "$pid"
	grep -qx "$pid" "$(cgroup_dir "$pid" pids)/cgroup.procs"
}

@test "cgroups: pids.limit 0 is a limit of 1, not unlimited" {
	requires pids
	update_config '.linux.resources.pids = {"limit": 0}'
	set_args sleep 1000
	start_detached
	local f
	f="$(cgroup_dir "$(ctr_pid "$ID")" pids)/pids.max"
	assert_eq "$(cat "$f")" 1 pids.max
	# update: a given --pids-limit is applied, 0 too (runc 1.5); not given leaves it alone
	rt update --pids-limit -1 "$ID"
	assert_eq "$(cat "$f")" max "after --pids-limit -1"
	rt update --pids-limit 0 "$ID"
	assert_eq "$(cat "$f")" 1 "after --pids-limit 0"
	rt update --memory-reservation 0 "$ID"
	assert_eq "$(cat "$f")" 1 "after an update without --pids-limit"
	echo '{"pids": {"limit": 7}}' >"$TEST_TMP/res.json"
	rt update -r "$TEST_TMP/res.json" "$ID"
	assert_eq "$(cat "$f")" 7 "after -r limit 7"
	echo '{"pids": {"limit": 0}}' >"$TEST_TMP/res.json"
	rt update -r "$TEST_TMP/res.json" "$ID"
	assert_eq "$(cat "$f")" 1 "after -r limit 0"
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

	# Inside: an inner shell starts 20 sleeps and dies at the first fork
	# refused; the outer one then counts with builtins only (no fork left).
	set_args sh -c 'sh -c "for i in \$(seq 1 20); do sleep 1000 & done" 2>/dev/null
		set -- /proc/[0-9]*; echo $#'
	run_ctr_sep
	[ "$status" -eq 0 ]
	# Without the limit: 21 (sh and 20 sleeps).
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

@test "cgroups: a linux.devices node is made but opened only if resources.devices allows it (rwa taken), as runc" {
	[ -c /dev/fuse ] || skip "needs /dev/fuse on the host"
	update_config '.linux.devices = [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229}]'
	set_args sh -c 'exec 2>&1; stat -c "%t:%T" /dev/fuse; exec 3<>/dev/fuse && echo opened'
	run_ctr
	[ "$status" -ne 0 ]
	assert_eq "${lines[0]}" "a:e5"
	assert_contains "$output" "Operation not permitted"
	assert_not_contains "$output" opened
	# runc's tests write access "rwa": the "a" means nothing and is ignored
	update_config '.linux.resources.devices += [{"allow": true, "type": "c", "major": 10, "minor": 229, "access": "rwa"}]'
	run_ctr
	[ "$status" -eq 0 ]
	assert_eq "${lines[1]}" opened
}

@test "cgroups: the cgroup mount is read-only with \"ro\" (the default config) and writable without it" {
	requires_ocirun
	requires cgroup_v1 memory
	set_args sh -c 'mkdir /sys/fs/cgroup/memory/sub && rmdir /sys/fs/cgroup/memory/sub && echo made'
	run_ctr
	assert_contains "$output" "Read-only file system"
	update_config '.mounts |= map(if .type == "cgroup" then .options -= ["ro"] else . end)'
	run_ctr
	[ "$status" -eq 0 ]
	assert_eq "$output" made
}

@test "cgroups: a unified key whose controller is a v1 one here is an invalid configuration (runc's words)" {
	requires_ocirun
	requires cgroup_v1 memory
	cgroup_v1 memory || skip "needs memory on cgroup v1"
	update_config '.linux.resources.unified = {"memory.min": "131072"}'
	run_rt run -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	[ "${#lines[@]}" -eq 1 ]
	assert_contains "$output" 'linux.resources.unified["memory.min"]: invalid configuration: the memory controller is not in the cgroup v2 hierarchy'
	assert_no_leftovers
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

# ===========================================================================
# The commands on a container's cgroup (update, pause/resume, events, ps,
# kill --all), a full linux.resources set read from inside and outside the
# container, nothing left behind after delete or a failed create, and
# cgroupsPath. These look up each controller where the host mounts it (v1,
# hybrid or v2), and pass against runc 1.1.5 too (RUNTIME=runc), except
# where marked.
# ===========================================================================

# cg_mount CTRL: the mount point of the v1 hierarchy holding CTRL, else of
# the cgroup2 tree (from mountinfo, so "cpu,cpuacct" mounts work too).
cg_mount() {
	local m
	m="$(awk -v c="$1" 'index($5, "/sys/fs/cgroup") == 1 {
		for (i = 7; $i != "-"; i++); if ($(i + 1) != "cgroup") next
		n = split($(i + 3), o, ","); for (j = 1; j <= n; j++) if (o[j] == c) { print $5; exit } }' /proc/self/mountinfo)"
	[ -n "$m" ] || m="$(awk 'index($5, "/sys/fs/cgroup") == 1 {
		for (i = 7; $i != "-"; i++); if ($(i + 1) == "cgroup2") { print $5; exit } }' /proc/self/mountinfo)"
	echo "$m"
}

# cg_v1 CTRL: CTRL is a v1 controller on this host.
cg_v1() {
	[ "$(stat -f -c %T "$(cg_mount "$1")" 2>/dev/null)" = cgroupfs ]
}

# cg_has CTRL: the host offers CTRL (v1 mount, or listed in the cgroup2 root).
cg_has() {
	cg_v1 "$1" && return 0
	local m
	m="$(cg_mount "$1")"
	[ -n "$m" ] && grep -qw "$1" "$m/cgroup.controllers" 2>/dev/null
}

# ctr_cgdir PID CTRL: the host directory of PID's cgroup for CTRL.
ctr_cgdir() {
	local mnt path
	mnt="$(cg_mount "$2")"
	if cg_v1 "$2"; then
		path="$(awk -F: -v c="$2" '{ n = split($2, o, ","); for (i = 1; i <= n; i++) if (o[i] == c) print $3 }' \
			"/proc/$1/cgroup")"
	else
		path="$(awk -F: '$1 == "0" { print $3 }' "/proc/$1/cgroup")"
	fi
	echo "${mnt}${path%/}"
}

# cg_rel CTRL FILE: FILE of CTRL's hierarchy relative to /sys/fs/cgroup
# (the container sees its own cgroup there under the same names).
cg_rel() {
	local m
	m="$(cg_mount "$1")"
	m="${m#/sys/fs/cgroup}"
	echo "${m#/}${m:+/}$2"
}

# one_line: a file's content on one line, lines joined with "|".
one_line() {
	tr '\n' '|' | sed 's/|$//'
}

# cg_out PID CTRL FILE: the file as read on the host.
cg_out() {
	one_line <"$(ctr_cgdir "$1" "$2")/$3"
}

# dump_args FILE...: process.args of a container that, each time /shared/dump
# appears, writes "FILE=content" for each FILE (relative to /sys/fs/cgroup)
# to /shared/inside.txt, then touches /shared/dumped.
dump_args() {
	set_args sh -c 'while :; do
		if [ -e /shared/dump ]; then
			rm -f /shared/dump
			for f in "$@"; do
				printf "%s=%s\n" "$f" "$(tr "\n" "|" </sys/fs/cgroup/$f 2>&1 | sed "s/|\$//")"
			done >/shared/inside.tmp
			mv /shared/inside.tmp /shared/inside.txt
			touch /shared/dumped
		fi
		sleep 0.1
	done' sh "$@"
}

request_dump() {
	rm -f "$SHARED/dumped"
	touch "$SHARED/dump"
	wait_for_file "$SHARED/dumped"
}

# inside REL: the value the container read for REL.
inside() {
	awk -v k="$1=" 'index($0, k) == 1 { print substr($0, length(k) + 1) }' "$SHARED/inside.txt"
}

# expect CTRL FILE WANT: FILE of the container's CTRL cgroup reads WANT on the
# host and inside the container (the last dump).
expect() {
	local pid got
	pid="$(ctr_pid "$ID")"
	got="$(cg_out "$pid" "$1" "$2")"
	assert_eq "$got" "$3" "outside $(ctr_cgdir "$pid" "$1")/$2" || return 1
	assert_eq "$(inside "$(cg_rel "$1" "$2")")" "$3" "inside /sys/fs/cgroup/$(cg_rel "$1" "$2")"
}

# expect_vx CTRL V1FILE V2FILE WANT: expect on V1FILE when CTRL is a v1
# controller here, else on V2FILE.
expect_vx() {
	if cg_v1 "$1"; then
		expect "$1" "$2" "$4"
	else
		expect "$1" "$3" "$4"
	fi
}

# expect_last CTRL FILE WANT: as expect, on the last word (io/bfq weights read "default N").
expect_last() {
	local pid
	pid="$(ctr_pid "$ID")"
	assert_eq "$(cg_out "$pid" "$1" "$2" | awk '{ print $NF }')" "$3" "outside $2" || return 1
	assert_eq "$(inside "$(cg_rel "$1" "$2")" | awk '{ print $NF }')" "$3" "inside $2"
}

# The file holding a blkio weight for a new cgroup on this host, or nothing
# (the root cgroup has none: look at existing children).
blkio_weight_file() {
	local m f
	m="$(cg_mount blkio)"
	if cg_v1 blkio; then
		for f in blkio.weight blkio.bfq.weight; do
			compgen -G "$m/*/$f" >/dev/null && {
				echo "$f"
				return
			}
		done
		# no child cgroup to look at: the root's stat files tell which
		# scheduler's files a new cgroup gets (CFQ's first, as runc picks)
		if [ -e "$m/blkio.io_serviced" ]; then
			echo blkio.weight
		elif [ -e "$m/blkio.bfq.io_serviced" ]; then
			echo blkio.bfq.weight
		fi
	elif cg_has io; then
		for f in io.bfq.weight io.weight; do
			compgen -G "$(cg_mount io)/*/$f" >/dev/null && {
				echo "$f"
				return
			}
		done
	fi
}

# 2MB pages and a hugetlb controller (runc 1.1 uses it only on a v1 hierarchy).
use_hugepages() {
	[ -d /sys/kernel/mm/hugepages/hugepages-2048kB ] && cg_has hugetlb &&
		{ cg_v1 hugetlb || [ "$RUNTIME_NAME" != runc ]; }
}

memsw() {
	cg_v1 memory && [ -e "$(cg_mount memory)/memory.memsw.limit_in_bytes" ]
}

# The files the dumping container reads, per host layout.
watched_files() {
	local f w
	if cg_v1 memory; then
		for f in memory.limit_in_bytes memory.soft_limit_in_bytes memory.memsw.limit_in_bytes; do
			cg_rel memory "$f"
		done
	else
		for f in memory.max memory.low memory.swap.max; do
			cg_rel memory "$f"
		done
	fi
	if cg_v1 cpu; then
		cg_rel cpu cpu.shares
		cg_rel cpu cpu.cfs_quota_us
		cg_rel cpu cpu.cfs_period_us
	else
		cg_rel cpu cpu.weight
		cg_rel cpu cpu.max
	fi
	cg_rel cpuset cpuset.cpus
	cg_rel cpuset cpuset.mems
	cg_rel pids pids.max
	w="$(blkio_weight_file)"
	if [ -n "$w" ]; then
		if cg_v1 blkio; then
			cg_rel blkio "$w"
		else
			cg_rel io "$w"
		fi
	fi
	if use_hugepages; then
		if cg_v1 hugetlb; then
			cg_rel hugetlb hugetlb.2MB.limit_in_bytes
		else
			cg_rel hugetlb hugetlb.2MB.max
		fi
	fi
	if cg_v1 devices; then
		cg_rel devices devices.list
	fi
	return 0
}

# A full linux.resources set (blockIO weight and hugepages when the host has them).
full_resources() {
	local res
	res='{
		"memory": {"limit": 67108864, "reservation": 33554432, "swap": 134217728},
		"cpu": {"shares": 512, "quota": 20000, "period": 100000, "cpus": "0", "mems": "0"},
		"pids": {"limit": 42},
		"devices": [
			{"allow": false, "access": "rwm"},
			{"allow": true, "type": "b", "major": 7, "minor": 0, "access": "r"}
		]
	}'
	if [ -n "$(blkio_weight_file)" ]; then
		res="$(jq '.blockIO = {"weight": 300}' <<<"$res")"
	fi
	if use_hugepages; then
		res="$(jq '.hugepageLimits = [{"pageSize": "2MB", "limit": 4194304}]' <<<"$res")"
	fi
	update_config '.linux.resources = $r' --argjson r "$res"
}

# start_dumper: full resources, the dump loop, started detached, first dump taken.
start_dumper() {
	share_dir
	full_resources
	# shellcheck disable=SC2046
	dump_args $(watched_files)
	start_detached
	request_dump
}

unlimited_memory() {
	if cg_v1 memory; then
		cat "$(cg_mount memory)/memory.limit_in_bytes"
	else
		echo max
	fi
}

# wait_for_grep FILE PATTERN: poll until FILE has a line matching PATTERN.
wait_for_grep() {
	local i
	for ((i = 0; i < POLL_TRIES; i++)); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep "$POLL_INTERVAL"
	done
	echo "$1 has no line matching $2:" >&2
	cat "$1" >&2
	return 1
}

# --- resources at create ----------------------------------------------------

@test "cgroups: a full linux.resources set, read inside and outside the container" {
	requires root
	start_dumper
	if cg_v1 memory; then
		expect memory memory.limit_in_bytes 67108864
		expect memory memory.soft_limit_in_bytes 33554432
		if memsw; then
			expect memory memory.memsw.limit_in_bytes 134217728
		fi
	else
		expect memory memory.max 67108864
		expect memory memory.low 33554432
		# v2 limits swap alone: memory+swap - memory
		if [ -e "$(ctr_cgdir "$(ctr_pid "$ID")" memory)/memory.swap.max" ]; then
			expect memory memory.swap.max 67108864
		fi
	fi
	if cg_v1 cpu; then
		expect cpu cpu.shares 512
		expect cpu cpu.cfs_quota_us 20000
		expect cpu cpu.cfs_period_us 100000
	else
		expect cpu cpu.weight 20 # 1 + (512 - 2) * 9999 / 262142
		expect cpu cpu.max "20000 100000"
	fi
	expect cpuset cpuset.cpus 0
	expect cpuset cpuset.mems 0
	expect pids pids.max 42
	local w
	w="$(blkio_weight_file)"
	if [ -n "$w" ]; then
		if cg_v1 blkio; then
			expect_last blkio "$w" 300
		elif [ "$w" = io.bfq.weight ]; then
			expect_last io "$w" 300
		else
			expect_last io "$w" 2972 # 1 + (300 - 10) * 9999 / 990
		fi
	fi
	if use_hugepages; then
		expect_vx hugetlb hugetlb.2MB.limit_in_bytes hugetlb.2MB.max 4194304
	fi
	if cg_v1 devices; then
		local list
		list="$(cg_out "$(ctr_pid "$ID")" devices devices.list)"
		assert_eq "$(inside "$(cg_rel devices devices.list)")" "$list" "devices.list inside"
		assert_contains "|$list|" "|b 7:0 r|"
		assert_contains "|$list|" "|c 1:3 rwm|" # /dev/null, a default device
		assert_not_contains "|$list|" "|a *:* rwm|"
	fi
}

# --- update -----------------------------------------------------------------

@test "cgroups: update with flags changes the cgroup files" {
	requires root
	start_dumper
	local cpus=0 w args=()
	[ "$(nproc)" -ge 2 ] && cpus=1
	w="$(blkio_weight_file)"
	[ -n "$w" ] && args=(--blkio-weight 200)
	run_rt update --memory 256m --memory-swap 512M --memory-reservation 128MiB --cpu-share 256 \
		--cpu-quota 30000 --cpu-period 200000 --cpuset-cpus "$cpus" --pids-limit 99 "${args[@]}" "$ID"
	[ "$status" -eq 0 ]
	request_dump
	if cg_v1 memory; then
		expect memory memory.limit_in_bytes 268435456
		expect memory memory.soft_limit_in_bytes 134217728
		if memsw; then
			expect memory memory.memsw.limit_in_bytes 536870912
		fi
	else
		expect memory memory.max 268435456
		expect memory memory.low 134217728
	fi
	if cg_v1 cpu; then
		expect cpu cpu.shares 256
		expect cpu cpu.cfs_quota_us 30000
		expect cpu cpu.cfs_period_us 200000
	else
		expect cpu cpu.max "30000 200000"
	fi
	expect cpuset cpuset.cpus "$cpus"
	expect pids pids.max 99
	if [ -n "$w" ] && [ "$w" != io.weight ]; then
		if cg_v1 blkio; then
			expect_last blkio "$w" 200
		else
			expect_last io "$w" 200
		fi
	fi

	# Only the quota: the period stays (v2 writes both in cpu.max).
	run_rt update --cpu-quota 40000 "$ID"
	[ "$status" -eq 0 ]
	request_dump
	if cg_v1 cpu; then
		expect cpu cpu.cfs_quota_us 40000
		expect cpu cpu.cfs_period_us 200000
	else
		expect cpu cpu.max "40000 200000"
	fi

	# Units: 1g is 1 GiB; -1 is unlimited (swap follows when not given).
	run_rt update --memory 1g --memory-swap 2g "$ID"
	[ "$status" -eq 0 ]
	request_dump
	expect_vx memory memory.limit_in_bytes memory.max 1073741824
	run_rt update --memory -1 "$ID"
	[ "$status" -eq 0 ]
	request_dump
	expect_vx memory memory.limit_in_bytes memory.max "$(unlimited_memory)"
	run_rt update --pids-limit -1 "$ID"
	[ "$status" -eq 0 ]
	request_dump
	expect pids pids.max max

	# Kernel memory is accepted with a warning and ignored.
	run_rt update --kernel-memory 10m "$ID"
	[ "$status" -eq 0 ]
	assert_contains "$output" "Kernel memory settings are ignored"
}

@test "cgroups: update --resources from stdin and from a file" {
	requires root
	start_dumper
	run rt update -r - "$ID" <<<'{
		"memory": {"limit": 100663296, "swap": 201326592},
		"cpu": {"shares": 300, "quota": 25000},
		"pids": {"limit": 55},
		"hugepageLimits": [{"pageSize": "2MB", "limit": 2097152}]
	}'
	[ "$status" -eq 0 ]
	request_dump
	expect_vx memory memory.limit_in_bytes memory.max 100663296
	if cg_v1 cpu; then
		expect cpu cpu.shares 300
		expect cpu cpu.cfs_quota_us 25000
		expect cpu cpu.cfs_period_us 100000
	else
		expect cpu cpu.max "25000 100000"
	fi
	expect pids pids.max 55
	# update applies memory, cpu, blockIO, pids and unified only (as runc)
	if use_hugepages; then
		expect_vx hugetlb hugetlb.2MB.limit_in_bytes hugetlb.2MB.max 4194304
	fi

	echo '{"pids": {"limit": 66}, "cpu": {"cpus": "0"}}' >"$TEST_TMP/res.json"
	run_rt update --resources "$TEST_TMP/res.json" --pids-limit 5 "$ID"
	[ "$status" -eq 0 ]
	request_dump
	expect pids pids.max 66 # the flags are ignored with --resources
	# an empty object changes nothing
	run rt update -r - "$ID" <<<'{}'
	[ "$status" -eq 0 ]
	request_dump
	expect pids pids.max 66
}

@test "cgroups: update takes its options after the ID too" {
	requires root pids
	start_detached
	run_rt update "$ID" --pids-limit 42
	assert_eq "$status" 0 "update ID --pids-limit ($output)"
	assert_eq "$(cg_out "$(ctr_pid "$ID")" pids pids.max)" 42 "pids.max"
}

@test "cgroups: update --cpu-burst and --cpu-idle (0 too), as runc 1.5" {
	requires root cpu
	runc_gap "no --cpu-burst nor --cpu-idle"
	start_detached
	local pid burst
	pid="$(ctr_pid "$ID")"
	if cg_v1 cpu; then burst=cpu.cfs_burst_us; else burst=cpu.max.burst; fi
	if [ -e "$(ctr_cgdir "$pid" cpu)/$burst" ]; then
		run_rt update "$ID" --cpu-period 900000 --cpu-burst 500000
		assert_eq "$status" 0 "update --cpu-burst ($output)"
		assert_eq "$(cg_out "$pid" cpu "$burst")" 500000 "$burst"
		# another update leaves it alone; --cpu-burst 0 ends it
		run_rt update --memory 100M "$ID"
		assert_eq "$(cg_out "$pid" cpu "$burst")" 500000 "$burst after --memory"
		run_rt update --cpu-burst 0 "$ID"
		assert_eq "$status" 0 "update --cpu-burst 0 ($output)"
		assert_eq "$(cg_out "$pid" cpu "$burst")" 0 "$burst after --cpu-burst 0"
	fi
	if [ -e "$(ctr_cgdir "$pid" cpu)/cpu.idle" ]; then
		local v
		for v in 1 0 1; do
			run_rt update --cpu-idle "$v" "$ID"
			assert_eq "$status" 0 "update --cpu-idle $v ($output)"
			assert_eq "$(cg_out "$pid" cpu cpu.idle)" "$v" "cpu.idle"
		done
		run rt update -r - "$ID" <<<'{"cpu": {"idle": 0}}'
		assert_eq "$status" 0 "update -r cpu.idle 0 ($output)"
		assert_eq "$(cg_out "$pid" cpu cpu.idle)" 0 "cpu.idle from -r"
		run_rt update --cpu-idle 2 "$ID"
		[ "$status" -ne 0 ]
	fi
}

@test "cgroups: update -r applies blockIO's per-device throttles, an entry per device" {
	requires root
	runc_gap "update applies blockIO.weight only (runc 1.5 the device lists too)"
	cg_has blkio || cg_has io || skip "needs the blkio or io controller"
	local dev maj min pid
	dev="$(lsblk -dno MAJ:MIN 2>/dev/null | head -1 | tr -d ' ')"
	[ -n "$dev" ] || skip "no block device (lsblk)"
	IFS=: read -r maj min <<<"$dev"
	update_config '.linux.resources.blockIO.throttleReadBpsDevice = [{"major": $a, "minor": $b, "rate": 485760}]' \
		--argjson a "$maj" --argjson b "$min"
	start_detached
	pid="$(ctr_pid "$ID")"
	run rt update -r - "$ID" <<-EOF
		{"blockIO": {
		  "throttleReadBpsDevice": [{"major": $maj, "minor": $min, "rate": 10485760}],
		  "throttleWriteBpsDevice": [{"major": $maj, "minor": $min, "rate": 9437184}],
		  "throttleReadIOPSDevice": [{"major": $maj, "minor": $min, "rate": 1000}],
		  "throttleWriteIOPSDevice": [{"major": $maj, "minor": $min, "rate": 900}]}}
	EOF
	assert_eq "$status" 0 "update -r ($output)"
	if cg_v1 blkio; then
		assert_eq "$(cg_out "$pid" blkio blkio.throttle.read_bps_device)" "$dev 10485760" "read_bps"
		assert_eq "$(cg_out "$pid" blkio blkio.throttle.write_bps_device)" "$dev 9437184" "write_bps"
		assert_eq "$(cg_out "$pid" blkio blkio.throttle.read_iops_device)" "$dev 1000" "read_iops"
		assert_eq "$(cg_out "$pid" blkio blkio.throttle.write_iops_device)" "$dev 900" "write_iops"
	else
		assert_eq "$(cg_out "$pid" io io.max)" "$dev rbps=10485760 wbps=9437184 riops=1000 wiops=900" "io.max"
	fi
}

@test "cgroups: a cgroupsPath below an existing parent with empty cpuset.cpus gets the cpus" {
	requires root
	cg_v1 cpuset || skip "needs the v1 cpuset controller"
	local parent
	parent="$(cg_mount cpuset)/$ID-pod"
	# (teardown_common removes it: its name holds $ID)
	mkdir "$parent"
	[ -z "$(cat "$parent/cpuset.cpus")" ] || skip "this kernel fills a new cpuset"
	update_config '.linux.cgroupsPath = $p' --arg p "/$ID-pod/$ID"
	start_detached
	assert_eq "$(cat "$parent/cpuset.cpus")" "$(cat "$(cg_mount cpuset)/cpuset.cpus")" "the parent's cpus"
	rt delete -f "$ID"
}

@test "cgroups: update to a realtime period shorter than the current runtime sets the runtime first" {
	requires root
	runc_gap "writes the period first and fails (runc#4094)"
	cg_v1 cpu || skip "needs the v1 cpu controller"
	local parent
	parent="$(cg_mount cpu)/$ID-rt"
	[ -e "$(cg_mount cpu)/cpu.rt_runtime_us" ] || skip "no realtime group scheduling (CONFIG_RT_GROUP_SCHED)"
	# (teardown_common removes it: its name holds $ID)
	mkdir "$parent"
	echo 500000 >"$parent/cpu.rt_runtime_us" || skip "no realtime budget left for a new cgroup"
	update_config '.linux.cgroupsPath = $p
		| .linux.resources.cpu = {"realtimePeriod": 1000000, "realtimeRuntime": 400000}' --arg p "/$ID-rt/$ID"
	start_detached
	local pid
	pid="$(ctr_pid "$ID")"
	run_rt update --cpu-rt-period 10000 --cpu-rt-runtime 3000 "$ID"
	assert_eq "$status" 0 "update ($output)"
	assert_eq "$(cg_out "$pid" cpu cpu.rt_period_us)" 10000 "cpu.rt_period_us"
	assert_eq "$(cg_out "$pid" cpu cpu.rt_runtime_us)" 3000 "cpu.rt_runtime_us"
	rt delete -f "$ID"
}

@test "cgroups: update, pause, resume, events, ps refuse bad input as runc does" {
	requires root
	set_args sleep 1000
	start_detached
	run_rt update --memory abc "$ID"
	[ "$status" -eq 1 ]
	assert_contains "$output" "invalid value for memory: invalid size: 'abc'"
	# (runc's log escapes the quotes: match around them)
	run_rt update --memory-swap 1.2.3 "$ID"
	[ "$status" -eq 1 ]
	assert_contains "$output" 'invalid value for memory-swap: strconv.ParseFloat: parsing'
	assert_contains "$output" 'invalid syntax'
	run_rt update --cpu-period x "$ID"
	[ "$status" -eq 1 ]
	assert_contains "$output" 'invalid value for cpu-period: strconv.ParseUint: parsing'
	run_rt update --cpu-quota 99999999999999999999 "$ID"
	[ "$status" -eq 1 ]
	assert_contains "$output" 'strconv.ParseInt: parsing'
	assert_contains "$output" 'value out of range'
	run_rt update --pids-limit x "$ID"
	[ "$status" -eq 1 ]
	assert_contains "$output" 'for flag -pids-limit: parse error'
	if ! grep -qs resctrl /proc/mounts; then
		run_rt update --l3-cache-schema L3:0=f "$ID"
		[ "$status" -eq 1 ]
		assert_contains "$output" "Intel RDT/CAT: l3 cache schema is not enabled"
		run_rt update --mem-bw-schema MB:0=50 "$ID"
		[ "$status" -eq 1 ]
		assert_contains "$output" "Intel RDT/MBA: memory bandwidth schema is not enabled"
	fi
	run_rt update -r "$TEST_TMP/missing.json" "$ID"
	[ "$status" -eq 1 ]
	assert_contains "$output" "$TEST_TMP/missing.json"
	run_rt events --interval 5 "$ID"
	[ "$status" -eq 1 ]
	assert_contains "$output" 'for flag -interval: parse error'
	run_rt events --interval 0 "$ID"
	[ "$status" -eq 1 ]
	assert_contains "$output" "duration interval must be greater than 0"
	run_rt ps -f xml "$ID"
	[ "$status" -eq 1 ]
	assert_contains "$output" "invalid format option"
	run_rt resume "$ID"
	[ "$status" -eq 1 ]
	assert_contains "$output" "container not paused"

	# a stopped container
	rt kill "$ID" KILL
	wait_for_status "$ID" stopped
	run_rt update --memory 1g "$ID"
	[ "$status" -eq 1 ]
	assert_contains "$output" "container not running"
	run_rt pause "$ID"
	[ "$status" -eq 1 ]
	assert_contains "$output" "container not running"
	run_rt resume "$ID"
	[ "$status" -eq 1 ]
	assert_contains "$output" "container not paused"
	run_rt events --stats "$ID"
	[ "$status" -eq 1 ]
	assert_contains "$output" "container with id $ID is not running"
	run_rt ps -f json "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$output" null "ps of a stopped container"
}

@test "cgroups: update --resources errors name the file and the field" {
	requires root
	requires_ocirun
	set_args sleep 1000
	start_detached
	echo '{"memory": {"limit": "lots"}}' >"$TEST_TMP/bad.json"
	run_rt update -r "$TEST_TMP/bad.json" "$ID"
	[ "$status" -eq 1 ]
	assert_contains "$output" "$TEST_TMP/bad.json: memory.limit:"
	run rt update -r - "$ID" <<<'{"pids": {"limit": true}}'
	[ "$status" -eq 1 ]
	assert_contains "$output" "pids.limit:"
	run rt update -r - "$ID" <<<'{"memory": '
	[ "$status" -eq 1 ]
}

# --- pause / resume ---------------------------------------------------------

@test "cgroups: pause freezes every process, resume thaws them" {
	requires root
	share_dir
	set_args sh -c 'sleep 1000 & while :; do [ -e /shared/go ] && touch /shared/went; sleep 0.1; done'
	start_detached
	local pid dir
	pid="$(ctr_pid "$ID")"
	run_rt pause "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$(ctr_status "$ID")" paused status
	if cg_v1 freezer; then
		dir="$(ctr_cgdir "$pid" freezer)"
		assert_eq "$(cat "$dir/freezer.state")" FROZEN freezer.state
		# a task stopped by the v1 freezer sleeps uninterruptibly
		assert_eq "$(awk '/^State:/ { print $2 }' "/proc/$pid/status")" D "init state"
	else
		dir="$(ctr_cgdir "$pid" "")"
		assert_eq "$(awk '$1 == "frozen" { print $2 }' "$dir/cgroup.events")" 1 "cgroup.events frozen"
	fi
	run_rt pause "$ID"
	[ "$status" -eq 1 ]
	assert_contains "$output" "container not running"
	run_rt ps --format json "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$(jq length <<<"$output")" 3 "processes while paused"

	touch "$SHARED/go"
	run_rt resume "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$(ctr_status "$ID")" running status
	wait_for_file "$SHARED/went"
	if cg_v1 freezer; then
		assert_eq "$(cat "$dir/freezer.state")" THAWED freezer.state
	fi
	run_rt resume "$ID"
	[ "$status" -eq 1 ]
	assert_contains "$output" "container not paused"
}

@test "cgroups: a created container can be paused and resumed" {
	requires root
	share_dir
	set_args sh -c 'touch /shared/started; exec sleep 1000'
	create_ctr
	run_rt pause "$ID"
	[ "$status" -eq 0 ]
	if cg_v1 freezer; then
		assert_eq "$(cat "$(ctr_cgdir "$(ctr_pid "$ID")" freezer)/freezer.state")" FROZEN freezer.state
	fi
	if [ "$(ctr_status "$ID")" = created ]; then
		skip "state shows a frozen created container as created (runc: paused)"
	fi
	assert_eq "$(ctr_status "$ID")" paused status
	run_rt resume "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$(ctr_status "$ID")" created status
	run_rt start "$ID"
	[ "$status" -eq 0 ]
	wait_for_file "$SHARED/started"
}

@test "cgroups: delete --force of a paused container leaves nothing" {
	requires root
	full_resources
	set_args sh -c 'sleep 1000 & exec sleep 1000'
	start_detached
	run_rt pause "$ID"
	[ "$status" -eq 0 ]
	run_rt delete -f "$ID"
	[ "$status" -eq 0 ]
	assert_no_leftovers
}

# --- events -----------------------------------------------------------------

@test "cgroups: events --stats prints one stats object" {
	requires root
	full_resources
	set_args sh -c 'sleep 1000 & exec sleep 1000'
	start_detached
	run_rt --separate-stderr events --stats "$ID"
	[ "$status" -eq 0 ]
	assert_eq "$(wc -l <<<"$output")" 1 lines
	local e="$output"
	assert_eq "$(jq -r .type <<<"$e")" stats type
	assert_eq "$(jq -r .id <<<"$e")" "$ID" id
	jq -e '.data.memory.usage.usage > 0' <<<"$e" >/dev/null
	jq -e '.data.memory.usage.limit == 67108864' <<<"$e" >/dev/null
	jq -e '.data.memory.raw | type == "object"' <<<"$e" >/dev/null
	jq -e '.data.cpu.usage.total > 0' <<<"$e" >/dev/null
	jq -e '.data.pids.current == 2' <<<"$e" >/dev/null
	jq -e '.data.pids.limit == 42' <<<"$e" >/dev/null
	jq -e '.data | has("blkio") and has("hugetlb")' <<<"$e" >/dev/null
}

@test "cgroups: events streams stats and OOM kills, ends when the container stops" {
	requires root
	share_dir
	# No swap above the limit, so the allocation is killed rather than swapped.
	if cg_v1 memory && ! memsw; then
		update_config '.linux.resources.memory = {"limit": 16777216}'
	else
		update_config '.linux.resources.memory = {"limit": 16777216, "swap": 16777216}'
	fi
	set_args sh -c 'while [ ! -e /shared/go ]; do sleep 0.1; done
		dd if=/dev/zero of=/dev/null bs=64M count=1; echo "dd $?" >/shared/dd
		while [ ! -e /shared/stop ]; do sleep 0.1; done'
	start_detached
	rt events --interval 100ms "$ID" >"$TEST_TMP/events.out" 2>"$TEST_TMP/events.err" 3>&- &
	local ev=$!
	track_pid "$ev"
	wait_for_grep "$TEST_TMP/events.out" '"type":"stats"'
	touch "$SHARED/go"
	wait_for_file "$SHARED/dd"
	assert_eq "$(cat "$SHARED/dd")" "dd 137" "dd killed by SIGKILL"
	wait_for_grep "$TEST_TMP/events.out" '"type":"oom"'
	assert_eq "$(grep '"type":"oom"' "$TEST_TMP/events.out" | head -n 1)" "{\"type\":\"oom\",\"id\":\"$ID\"}" oom
	grep '"type":"stats"' "$TEST_TMP/events.out" | head -n 1 |
		jq -e --arg id "$ID" '.id == $id and (.data.memory.usage.limit == 16777216)' >/dev/null

	touch "$SHARED/stop"
	wait_for_status "$ID" stopped
	# runc on cgroup v1 ends only when the cgroup is removed
	[ "$RUNTIME_NAME" = runc ] && rt delete "$ID"
	wait_for_exit "$ev"
	local rc=0
	wait "$ev" || rc=$?
	assert_eq "$rc" 0 "events exit status"
}

# --- ps ---------------------------------------------------------------------

@test "cgroups: ps lists the container's processes as JSON and as ps lines" {
	requires root
	command -v ps >/dev/null || skip "needs ps (procps) on the host"
	share_dir
	set_args sh -c 'sleep 1001 & sleep 1002 & touch /shared/ready; wait'
	start_detached
	wait_for_file "$SHARED/ready"
	local pid
	pid="$(ctr_pid "$ID")"
	run_rt --separate-stderr ps --format json "$ID"
	[ "$status" -eq 0 ]
	jq -e --argjson p "$pid" 'type == "array" and length == 3 and index($p) != null' <<<"$output" >/dev/null

	run_rt --separate-stderr ps "$ID"
	[ "$status" -eq 0 ]
	assert_eq "${#lines[@]}" 4 "header and three processes"
	assert_eq "$(awk '{ print $2 }' <<<"${lines[0]}")" PID "PID column"
	assert_contains "$output" "sleep 1001"
	assert_contains "$output" "sleep 1002"
	awk -v p="$pid" 'NR > 1 && $2 == p { found = 1 } END { exit !found }' <<<"$output"
	# nothing from outside the container
	awk -v p="$$" 'NR > 1 && $2 == p { exit 1 }' <<<"$output"

	run_rt --separate-stderr ps "$ID" -o pid,comm
	[ "$status" -eq 0 ]
	assert_eq "$(head -n 1 <<<"$output" | awk '{ print $1 }')" PID header
	assert_eq "$(grep -c sleep <<<"$output")" 2 "sleep lines"
}

@test "cgroups: ps ID -- ARGS passes ARGS to ps" {
	requires root
	requires_ocirun # runc hands the "--" to ps too, which refuses it
	command -v ps >/dev/null || skip "needs ps (procps) on the host"
	set_args sleep 1000
	start_detached
	run_rt --separate-stderr ps "$ID" -- -o pid,args
	[ "$status" -eq 0 ]
	assert_eq "$(sed -n 2p <<<"$output" | awk '{ print $1, $2, $3 }')" "$(ctr_pid "$ID") sleep 1000" line
}

# --- kill --all -------------------------------------------------------------

@test "cgroups: kill --all signals every process in the cgroup" {
	requires root
	share_dir
	# Without a pid namespace the init's death does not take the others along.
	no_pidns
	set_args sh -c 'sleep 1001 & sleep 1002 & touch /shared/ready; wait'
	start_detached
	wait_for_file "$SHARED/ready"
	run_rt --separate-stderr ps --format json "$ID"
	[ "$status" -eq 0 ]
	local pids p
	pids="$(jq -r '.[]' <<<"$output")"
	assert_eq "$(wc -w <<<"$pids")" 3 processes
	run_rt kill --all "$ID" KILL
	[ "$status" -eq 0 ]
	for p in $pids; do
		wait_for_exit "$p"
	done
	wait_for_status "$ID" stopped
	run_rt delete "$ID"
	[ "$status" -eq 0 ]
	assert_no_leftovers
}

# --- nothing left behind ----------------------------------------------------

@test "cgroups: delete removes the container's cgroup from every hierarchy it joined" {
	requires root
	full_resources
	set_args sleep 1000
	start_detached
	local pid dirs=() c
	pid="$(ctr_pid "$ID")"
	for c in memory cpu cpuset pids devices freezer ""; do
		[ -n "$c" ] && ! cg_has "$c" && continue
		dirs+=("$(ctr_cgdir "$pid" "$c")")
	done
	for c in "${dirs[@]}"; do
		[ -d "$c" ]
	done
	rt kill "$ID" KILL
	wait_for_status "$ID" stopped
	run_rt delete "$ID"
	[ "$status" -eq 0 ]
	for c in "${dirs[@]}"; do
		[ ! -e "$c" ] || {
			echo "left: $c" >&2
			false
		}
	done
	assert_no_leftovers
}

@test "cgroups: a create failing on an impossible resource leaves no cgroup and no state" {
	requires root
	full_resources
	update_config '.linux.resources.cpu.cpus = "999"'
	set_args sleep 1000
	run_rt create -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	assert_contains "$output" "cpus"
	[ ! -e "$TEST_ROOT/$ID" ]
	assert_eq "$(_cgroups_of "$ID")" "" "cgroups left"
	assert_no_leftovers

	# the same with a parent cgroup made for it
	update_config '.linux.cgroupsPath = $p' --arg p "/ocit-parent-$ID/$ID"
	run_rt run -d -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	runc_gap "leaves the parent cgroups it created"
	assert_eq "$(_cgroups_of "$ID")" "" "cgroups left"
	assert_no_leftovers
}

# --- cgroupsPath ------------------------------------------------------------

@test "cgroups: an absolute cgroupsPath with a new parent, on every hierarchy" {
	requires root
	update_config '.linux.cgroupsPath = $p | .linux.resources.pids = {"limit": 12}' \
		--arg p "/ocit-abs-$ID/$ID"
	set_args sleep 1000
	start_detached
	local pid
	pid="$(ctr_pid "$ID")"
	assert_eq "$(awk -F: '$2 ~ /(^|,)memory(,|$)/ { print $3 }' "/proc/$pid/cgroup")" "/ocit-abs-$ID/$ID" memory
	assert_eq "$(awk -F: '$2 ~ /(^|,)pids(,|$)/ { print $3 }' "/proc/$pid/cgroup")" "/ocit-abs-$ID/$ID" pids
	assert_eq "$(awk -F: '$1 == "0" { print $3 }' "/proc/$pid/cgroup")" "/ocit-abs-$ID/$ID" unified
	assert_eq "$(cat "$(cg_mount pids)/ocit-abs-$ID/$ID/pids.max")" 12 pids.max
	rt delete -f "$ID"
	[ ! -e "$(cg_mount memory)/ocit-abs-$ID/$ID" ]
	runc_gap "leaves the parent cgroups it created"
	[ ! -e "$(cg_mount memory)/ocit-abs-$ID" ]
	assert_no_leftovers
}

@test "cgroups: a relative cgroupsPath is below the runtime's own cgroup" {
	requires root
	update_config '.linux.cgroupsPath = $p' --arg p "ocit-rel-$ID/$ID"
	set_args sleep 1000
	start_detached
	local pid own want
	pid="$(ctr_pid "$ID")"
	if cg_v1 memory; then
		own="$(awk -F: '$2 ~ /(^|,)memory(,|$)/ { print $3 }' /proc/self/cgroup)"
		want="${own%/}/ocit-rel-$ID/$ID"
		assert_eq "$(awk -F: '$2 ~ /(^|,)memory(,|$)/ { print $3 }' "/proc/$pid/cgroup")" "$want" memory
		[ -d "$(cg_mount memory)$want" ]
	fi
	# cgroup v2: below the parent of the runtime's own cgroup (which has processes)
	own="$(awk -F: '$1 == "0" { print $3 }' /proc/self/cgroup)"
	if [ -n "$own" ] && [ "$own" != / ]; then
		own="$(dirname "$own")"
	fi
	want="${own%/}/ocit-rel-$ID/$ID"
	[ -z "$(awk -F: '$1 == "0"' "/proc/$pid/cgroup")" ] || assert_eq "$(awk -F: '$1 == "0" { print $3 }' "/proc/$pid/cgroup")" "$want" unified
	rt delete -f "$ID"
	runc_gap "leaves the parent cgroups it created"
	assert_no_leftovers
}
