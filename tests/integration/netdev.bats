#!/usr/bin/env bats
# linux.netDevices: host links moved into the container's network namespace
# (a new one, or one joined by path), renamed, their addresses kept; a
# missing link refused before anything exists.

load helpers

@test "netdev: linux.netDevices moves a host link into the container and renames it" {
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

@test "netdev: linux.netDevices into a network namespace joined by path keeps the link's addresses" {
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

@test "netdev: linux.netDevices naming a missing host link is refused before anything exists" {
	requires_ocirun
	update_config '.linux.netDevices = {"nosuchlink0": {}}'
	run_rt run -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	assert_contains "$output" "linux.netDevices"
	assert_contains "$output" "nosuchlink0"
	assert_no_leftovers
}
