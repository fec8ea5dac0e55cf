#!/usr/bin/env bats
# config.json.example and the README's demo run as documented.

load helpers

@test "example: config.json.example runs as is beside a rootfs" {
	requires_ocirun
	cp "$REPO/config.json.example" "$BUNDLE/config.json"
	run_rt run -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_contains "$output" "hello from example"
	assert_contains "$output" "groups=10"
	# soft RLIMIT_NOFILE, no_new_privs and the seccomp filter of the example
	assert_contains "$output" $'\n512\n'
	assert_contains "$output" "NoNewPrivs:	1"
	assert_contains "$output" "Seccomp:	2"
	assert_no_leftovers
}

@test "example: the seccomp rule of the example makes mount fail with EPERM" {
	requires_ocirun
	cp "$REPO/config.json.example" "$BUNDLE/config.json"
	update_config '.process.args = ["sh", "-c", "mount -t tmpfs none /tmp 2>&1; echo rc=$?"]
		| .process.capabilities.bounding += ["CAP_SYS_ADMIN"] | .process.capabilities.effective += ["CAP_SYS_ADMIN"]
		| .process.capabilities.permitted += ["CAP_SYS_ADMIN"]'
	run_rt run -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_contains "$output" "permission denied"
	assert_contains "$output" "rc=1"
	# the same container without the rule may mount: it was the filter
	update_config 'del(.linux.seccomp)'
	run_rt run -b "$BUNDLE" "$ID"
	[ "$status" -eq 0 ]
	assert_contains "$output" "rc=0"
}

@test "example: make demo shows the container's own hostname and pid 1" {
	requires_ocirun
	run "$REPO/scripts/demo"
	[ "$status" -eq 0 ]
	assert_contains "$output" "hostname: ocirun-demo"
	assert_contains "$output" "my pid: 1"
	assert_contains "$output" "CapEff:"
}
