#!/usr/bin/env bats
# Holes found by trying ocirun as an attacker would, each refused now (docs/robustness.md).

load ../integration/helpers

# --- ids above 2^31-1: 4294967295 is -1 to setresuid, which changes nothing and stays root ---

@test "holes: process.user.uid 4294967295 is refused, not run as root" {
	update_config '.process.user.uid = 4294967295'
	run_ctr id -u
	[ "$status" -ne 0 ]
	assert_not_contains "$output" $'\n0'
	[ "$output" != 0 ]
	requires_ocirun
	assert_contains "$output" "process.user.uid"
	assert_no_leftovers
}

@test "holes: process.user.gid 4294967295 is refused" {
	update_config '.process.user.uid = 1000 | .process.user.gid = 4294967295'
	run_ctr id -g
	[ "$status" -ne 0 ]
	[ "$output" != 0 ]
	requires_ocirun
	assert_contains "$output" "process.user.gid"
	assert_no_leftovers
}

@test "holes: process.user.additionalGids beyond 2^31-1 are refused" {
	update_config '.process.user.uid = 1000 | .process.user.gid = 1000 | .process.user.additionalGids = [4294967295]'
	run_ctr id -G
	[ "$status" -ne 0 ]
	requires_ocirun
	assert_contains "$output" "additionalGids[0]"
	assert_no_leftovers
}

@test "holes: exec --user 4294967295:4294967295 is refused, not run as root" {
	set_args sleep 100
	start_detached
	run_rt exec --user 4294967295:4294967295 "$ID" id -u
	[ "$status" -ne 0 ]
	[ "$output" != 0 ]
	run_rt exec --user 1000:1000 "$ID" id -u
	[ "$status" -eq 0 ]
	[ "$output" = 1000 ]
}

# --- a namespaced sysctl must not reach the runtime's own (the host's) namespace ---
# Each runs the runtime in a private namespace of the kind the config joins by path
# (/proc/self/ns/X, the runtime's own), so the attack on the old code changed only that.

sysctl_attack() { # UNSHARE_FLAG NS_TYPE NS_PROC KEY VALUE
	local flag=$1 type=$2 proc=$3 key=$4 value=$5 file
	file="/proc/sys/${key//.//}"
	add_ns "$type" "/proc/self/ns/$proc"
	update_config '.linux.sysctl = {($k): $v}' --arg k "$key" --arg v "$value"
	set_args true
	# the runtime and the check of the sysctl afterwards, in one private namespace
	run unshare "$flag" -- bash -c '
		before=$(cat "$1")
		"$2" --root "$3" run -b "$4" "$5" </dev/null >"$6/run.out" 2>&1
		echo "rc=$? before=$before after=$(cat "$1")"' _ \
		"$file" "$RUNTIME" "$TEST_ROOT" "$BUNDLE" "$ID" "$TEST_TMP"
	echo "$output"
	cat "$TEST_TMP/run.out"
	[[ "$output" != *"rc=0 "* ]]
	before="$(sed -n 's/.*before=\(.*\) after=.*/\1/p' <<<"$output")"
	after="$(sed -n 's/.*after=\(.*\)$/\1/p' <<<"$output")"
	assert_eq "$after" "$before" "$key in the runtime's namespace"
	requires_ocirun
	assert_contains "$(cat "$TEST_TMP/run.out")" "linux.sysctl"
	assert_no_leftovers
}

@test "holes: net.* sysctl into the runtime's own network namespace is refused" {
	sysctl_attack -n network net net.ipv4.ip_forward 1
}

@test "holes: kernel.domainname into the runtime's own uts namespace is refused" {
	sysctl_attack -u uts uts kernel.domainname pwned
}

@test "holes: ipc sysctl into the runtime's own ipc namespace is refused" {
	sysctl_attack -i ipc ipc kernel.msgmax 4242
}

@test "holes: control: net.* sysctl in the container's own network namespace works" {
	update_config '.linux.sysctl = {"net.ipv4.ip_forward": "1"}'
	run_ctr cat /proc/sys/net/ipv4/ip_forward
	[ "$status" -eq 0 ]
	[ "$output" = 1 ]
}

# --- /proc, /sys, /dev of the image as symlinks ---

symlink_attack() { # DIR
	rm -rf "${BUNDLE:?}/rootfs/$1"
	mkdir -p "$BUNDLE/rootfs/tmp/elsewhere"
	ln -s tmp/elsewhere "$BUNDLE/rootfs/$1"
	run_ctr true
	[ "$status" -ne 0 ]
	requires_ocirun
	assert_contains "$output" "must be mounted on ordinary directory"
	assert_contains "$output" "\"/$1\""
	assert_no_leftovers
}

@test "holes: a rootfs whose /proc is a symlink is refused" {
	symlink_attack proc
}

@test "holes: a rootfs whose /sys is a symlink is refused" {
	symlink_attack sys
}

@test "holes: a rootfs whose /dev is a symlink is refused" {
	symlink_attack dev
}
