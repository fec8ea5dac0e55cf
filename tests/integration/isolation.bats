#!/usr/bin/env bats
# Namespaces, hostname, sysctl and what leaks (or must not) from the host.

load helpers

@test "isolation: hostname comes from the config" {
	update_config '.hostname = "box-one"'
	run_ctr sh -c 'hostname; cat /proc/sys/kernel/hostname'
	[ "$status" -eq 0 ]
	assert_eq "$output" "$(printf 'box-one\nbox-one')"
	# The host's hostname is untouched.
	assert_eq "$(cat /proc/sys/kernel/hostname)" "$(hostname)"
	[ "$(hostname)" != box-one ]
}

@test "isolation: domainname comes from the config" {
	runc_gap "process domainname is not applied (added in runc 1.2)"
	local before
	before="$(cat /proc/sys/kernel/domainname)"
	update_config '.hostname = "box-one" | .domainname = "example.test"'
	run_ctr cat /proc/sys/kernel/domainname
	[ "$status" -eq 0 ]
	assert_eq "$output" example.test domainname
	assert_eq "$(cat /proc/sys/kernel/domainname)" "$before" "host domainname"
}

@test "isolation: the process is pid 1 of a new pid namespace" {
	run_ctr sh -c 'echo $$; cut -d" " -f1 /proc/self/stat; ls -d /proc/[0-9]* | wc -l'
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" 1 '$$'
	# cut runs as a child of pid 1, so it is pid 2 or more, and few
	# processes are visible: sh, cut or ls, wc.
	[ "${lines[1]}" -gt 1 ]
	[ "${lines[2]}" -le 3 ]
}

@test "isolation: each configured namespace differs from the host's" {
	requires cgroupns
	add_ns cgroup
	run_ctr sh -c 'for n in pid net mnt ipc uts cgroup; do echo "$n $(readlink /proc/self/ns/$n)"; done'
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 6 ]
	local n inside host
	for n in pid net mnt ipc uts cgroup; do
		inside="$(awk -v n="$n" '$1 == n {print $2}' <<<"$output")"
		host="$(readlink "/proc/self/ns/$n")"
		[ -n "$inside" ]
		if [ "$inside" = "$host" ]; then
			echo "namespace $n is the host's: $inside" >&2
			return 1
		fi
	done
}

@test "isolation: a namespace left out of the config is the host's" {
	update_config 'del(.linux.namespaces[] | select(.type == "network" or .type == "ipc"))'
	run_ctr sh -c 'readlink /proc/self/ns/net; readlink /proc/self/ns/ipc; readlink /proc/self/ns/uts'
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" "$(readlink /proc/self/ns/net)" net
	assert_eq "${lines[1]}" "$(readlink /proc/self/ns/ipc)" ipc
	[ "${lines[2]}" != "$(readlink /proc/self/ns/uts)" ]
}

@test "isolation: the cgroup namespace root is the container's cgroup" {
	requires cgroupns
	add_ns cgroup
	run_ctr cat /proc/self/cgroup
	[ "$status" -eq 0 ]
	# Every hierarchy the process is in reads as "/" from inside.
	local line
	for line in "${lines[@]}"; do
		[ "${line##*:}" = / ] || {
			echo "not at the namespace root: $line" >&2
			return 1
		}
	done
}

@test "isolation: joining a network namespace by path" {
	requires ip
	local ns="ocirun-test-$ID"
	ip netns add "$ns"
	on_teardown ip netns delete "$ns"
	local want
	want="$(stat -L -c %i "/run/netns/$ns")"
	add_ns network "/run/netns/$ns"
	run_ctr sh -c 'stat -L -c %i /proc/self/ns/net; ip -o link show | wc -l'
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" "$want" "net ns inode"
	# A fresh netns has only lo.
	assert_eq "${lines[1]}" 1 "links"
}

@test "isolation: joining a uts namespace by path shares its hostname" {
	# A holder process owns the namespace; the test kills it by pid.
	unshare --uts sh -c 'hostname shared-uts; exec sleep 1000' &
	local holder=$!
	track_pid "$holder"
	local i
	for ((i = 0; i < POLL_TRIES; i++)); do
		[ "$(readlink "/proc/$holder/ns/uts")" != "$(readlink /proc/self/ns/uts)" ] &&
			[ "$(cat "/proc/$holder/comm" 2>/dev/null)" = sleep ] && break
		sleep "$POLL_INTERVAL"
	done
	# The config's hostname would be applied to the joined namespace; leave it out.
	update_config 'del(.hostname)'
	add_ns uts "/proc/$holder/ns/uts"
	run_ctr sh -c 'hostname; readlink /proc/self/ns/uts'
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" shared-uts hostname
	assert_eq "${lines[1]}" "$(readlink "/proc/$holder/ns/uts")" "uts ns"
}

@test "isolation: a namespace path that does not exist fails the container" {
	add_ns network "$TEST_TMP/no-such-ns"
	run_ctr true
	[ "$status" -ne 0 ]
	assert_no_leftovers
}

@test "isolation: sysctl in the container's network namespace" {
	local host_before
	host_before="$(cat /proc/sys/net/ipv4/ip_forward)"
	local want=1
	[ "$host_before" = 1 ] && want=0
	update_config '.linux.sysctl = {"net.ipv4.ip_forward": $v}' --arg v "$want"
	run_ctr cat /proc/sys/net/ipv4/ip_forward
	[ "$status" -eq 0 ]
	assert_eq "$output" "$want" "inside"
	assert_eq "$(cat /proc/sys/net/ipv4/ip_forward)" "$host_before" "host value"
}

@test "isolation: sysctl in the container's ipc namespace" {
	local host_before
	host_before="$(cat /proc/sys/kernel/msgmax)"
	update_config '.linux.sysctl = {"kernel.msgmax": "12345"}'
	run_ctr cat /proc/sys/kernel/msgmax
	[ "$status" -eq 0 ]
	assert_eq "$output" 12345 "inside"
	assert_eq "$(cat /proc/sys/kernel/msgmax)" "$host_before" "host value"
}

@test "isolation: a net.* sysctl without a network namespace is refused" {
	local host_before
	host_before="$(cat /proc/sys/net/ipv4/ip_forward)"
	local want=1
	[ "$host_before" = 1 ] && want=0
	update_config 'del(.linux.namespaces[] | select(.type == "network"))
		| .linux.sysctl = {"net.ipv4.ip_forward": $v}' --arg v "$want"
	run_ctr true
	[ "$status" -ne 0 ]
	assert_eq "$(cat /proc/sys/net/ipv4/ip_forward)" "$host_before" "host value"
	assert_no_leftovers
}

@test "isolation: a sysctl outside any namespace is refused" {
	local host_before
	host_before="$(cat /proc/sys/vm/swappiness)"
	update_config '.linux.sysctl = {"vm.swappiness": "7"}'
	run_ctr true
	[ "$status" -ne 0 ]
	assert_eq "$(cat /proc/sys/vm/swappiness)" "$host_before" "host value"
	assert_no_leftovers
}

@test "isolation: only fds 0, 1 and 2 are open in the container" {
	# fd 3 (bats' own) and fd 7 are open in the caller and must not leak.
	# ls runs as a child of sh (pid 1), so its own directory fd is not counted.
	set_args sh -c 'ls /proc/1/fd; exit 0'
	run_rt run -b "$BUNDLE" "$ID" 7<"$BUNDLE/config.json"
	[ "$status" -eq 0 ]
	assert_eq "$(echo $output)" "0 1 2" "fds of pid 1"
}

@test "isolation: the working directory is inside the container" {
	update_config '.process.cwd = "/"'
	run_ctr sh -c 'pwd -P; readlink /proc/self/cwd; ls -di / | cut -d" " -f1; ls -di . | cut -d" " -f1'
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" / "getcwd"
	assert_eq "${lines[1]}" / "/proc/self/cwd"
	assert_eq "${lines[2]}" "${lines[3]}" "inode of / and ."
}

@test "isolation: a cwd of /proc/self/fd/N cannot reach a host directory (CVE-2024-21626)" {
	local n
	for n in 3 4 5 6 7 8 9; do
		update_config '.process.cwd = $c' --arg c "/proc/self/fd/$n"
		run_ctr sh -c 'pwd -P'
		# Failing is fine; succeeding with a cwd outside the root is not.
		if [ "$status" -eq 0 ]; then
			assert_not_contains "$output" "(unreachable)"
		fi
		rt delete -f "$ID" >/dev/null 2>&1 || true
	done
	assert_no_leftovers
}
