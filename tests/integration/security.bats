#!/usr/bin/env bats
# User, groups, umask, rlimits, capabilities, no_new_privs, oom_score_adj, seccomp.

load helpers

# Docker's default capability set, mask 00000000a80425fb.
DOCKER_CAPS='["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FSETID","CAP_FOWNER","CAP_MKNOD",
	"CAP_NET_RAW","CAP_SETGID","CAP_SETUID","CAP_SETFCAP","CAP_SETPCAP",
	"CAP_NET_BIND_SERVICE","CAP_SYS_CHROOT","CAP_KILL","CAP_AUDIT_WRITE"]'

# set_caps JSON-ARRAY [inheritable-and-ambient JSON-ARRAY]
set_caps() {
	update_config '.process.capabilities = {"bounding": $c, "effective": $c, "permitted": $c,
		"inheritable": $a, "ambient": $a}' --argjson c "$1" --argjson a "${2:-[]}"
}

@test "security: uid, gid and additionalGids" {
	update_config '.process.user = {"uid": 1000, "gid": 1000, "additionalGids": [1001, 1002]}'
	run_ctr sh -c 'grep -E "^(Uid|Gid|Groups):" /proc/self/status; id -u; id -g'
	[ "$status" -eq 0 ]
	assert_eq "$(status_field Uid)" 1000 Uid
	assert_eq "$(awk '$1 == "Uid:" {print $2, $3, $4, $5}' <<<"$output")" "1000 1000 1000 1000" "Uid (real, effective, saved, fs)"
	assert_eq "$(awk '$1 == "Gid:" {print $2, $3, $4, $5}' <<<"$output")" "1000 1000 1000 1000" "Gid (real, effective, saved, fs)"
	assert_eq "$(awk '$1 == "Groups:" {$1 = ""; print}' <<<"$output" | xargs -n1 | sort -n | xargs)" "1001 1002" Groups
}

@test "security: no supplementary groups when additionalGids is absent" {
	update_config '.process.user = {"uid": 1000, "gid": 1000}'
	run_ctr grep '^Groups:' /proc/self/status
	[ "$status" -eq 0 ]
	# Not the runtime's own groups (root's): the list is empty.
	assert_eq "$(echo $output)" "Groups:" Groups
}

@test "security: a uid missing from /etc/passwd still runs" {
	update_config '.process.user = {"uid": 4242, "gid": 4343}'
	run_ctr sh -c 'id -u; id -g'
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" 4242 uid
	assert_eq "${lines[1]}" 4343 gid
}

@test "security: process.user.umask" {
	update_config '.process.user.umask = 63'
	run_ctr sh -c 'umask; touch /tmp/f; stat -c %a /tmp/f'
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" 0077 umask
	assert_eq "${lines[1]}" 600 "mode of a new file"
}

@test "security: rlimits from the default spec" {
	local soft hard
	soft="$(jq -r '.process.rlimits[]? | select(.type == "RLIMIT_NOFILE") | .soft' "$BUNDLE/config.json")"
	hard="$(jq -r '.process.rlimits[]? | select(.type == "RLIMIT_NOFILE") | .hard' "$BUNDLE/config.json")"
	[ -n "$soft" ] || skip "the default spec sets no RLIMIT_NOFILE"
	run_ctr sh -c 'ulimit -n; ulimit -Hn'
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" "$soft" "soft nofile"
	assert_eq "${lines[1]}" "$hard" "hard nofile"
}

@test "security: custom rlimits (soft differs from hard)" {
	update_config '.process.rlimits = [
		{"type": "RLIMIT_NOFILE", "soft": 512, "hard": 1024},
		{"type": "RLIMIT_NPROC", "soft": 300, "hard": 400},
		{"type": "RLIMIT_CORE", "soft": 0, "hard": 0}]'
	run_ctr sh -c 'ulimit -n; ulimit -Hn; grep -E "^Max (processes|core file size)" /proc/self/limits'
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" 512 "soft nofile"
	assert_eq "${lines[1]}" 1024 "hard nofile"
	assert_eq "$(awk '/^Max processes/ {print $3, $4}' <<<"$output")" "300 400" nproc
	assert_eq "$(awk '/^Max core file size/ {print $5, $6}' <<<"$output")" "0 0" core
}

@test "security: capabilities of the default spec" {
	local bnd eff prm inh amb
	bnd="$(config_cap_mask bounding)"
	eff="$(config_cap_mask effective)"
	prm="$(config_cap_mask permitted)"
	inh="$(config_cap_mask inheritable)"
	amb="$(config_cap_mask ambient)"
	# An ambient capability can only be raised if it is also permitted and
	# inheritable (runc's default spec lists ambient ones but no inheritable
	# set: they are silently not raised, and the container still runs).
	amb="$(printf '%016x' $((0x$amb & 0x$inh & 0x$prm)))"
	run_ctr grep '^Cap' /proc/self/status
	[ "$status" -eq 0 ]
	assert_eq "$(status_field CapBnd)" "$bnd" CapBnd
	assert_eq "$(status_field CapEff)" "$eff" CapEff
	assert_eq "$(status_field CapPrm)" "$prm" CapPrm
	assert_eq "$(status_field CapInh)" "$inh" CapInh
	assert_eq "$(status_field CapAmb)" "$amb" CapAmb
}

@test "security: capabilities: Docker's default set" {
	set_caps "$DOCKER_CAPS"
	run_ctr grep '^Cap' /proc/self/status
	[ "$status" -eq 0 ]
	assert_eq "$(status_field CapBnd)" 00000000a80425fb CapBnd
	assert_eq "$(status_field CapEff)" 00000000a80425fb CapEff
	assert_eq "$(status_field CapPrm)" 00000000a80425fb CapPrm
	assert_eq "$(status_field CapInh)" 0000000000000000 CapInh
	assert_eq "$(status_field CapAmb)" 0000000000000000 CapAmb
}

@test "security: capabilities: only CAP_NET_RAW" {
	set_caps '["CAP_NET_RAW"]'
	run_ctr grep '^Cap' /proc/self/status
	[ "$status" -eq 0 ]
	assert_eq "$(status_field CapBnd)" 0000000000002000 CapBnd
	assert_eq "$(status_field CapEff)" 0000000000002000 CapEff
	assert_eq "$(status_field CapPrm)" 0000000000002000 CapPrm
	assert_eq "$(status_field CapInh)" 0000000000000000 CapInh
	assert_eq "$(status_field CapAmb)" 0000000000000000 CapAmb
}

@test "security: capabilities: inheritable and ambient" {
	set_caps '["CAP_NET_RAW", "CAP_KILL"]' '["CAP_NET_RAW"]'
	run_ctr grep '^Cap' /proc/self/status
	[ "$status" -eq 0 ]
	assert_eq "$(status_field CapBnd)" 0000000000002020 CapBnd
	assert_eq "$(status_field CapInh)" 0000000000002000 CapInh
	assert_eq "$(status_field CapAmb)" 0000000000002000 CapAmb
}

@test "security: capabilities of a non-root user: ambient ones survive exec" {
	# execve() of a file without file capabilities by a non-root user keeps
	# only the ambient set (capabilities(7)); the bounding set stays.
	update_config '.process.user = {"uid": 1000, "gid": 1000}'
	set_caps '["CAP_NET_RAW", "CAP_CHOWN"]' '["CAP_NET_RAW"]'
	run_ctr grep '^Cap' /proc/self/status
	[ "$status" -eq 0 ]
	assert_eq "$(status_field CapBnd)" 0000000000002001 CapBnd
	assert_eq "$(status_field CapAmb)" 0000000000002000 CapAmb
	assert_eq "$(status_field CapEff)" 0000000000002000 CapEff
	assert_eq "$(status_field CapPrm)" 0000000000002000 CapPrm

	set_caps '["CAP_NET_RAW", "CAP_CHOWN"]'
	run_ctr grep '^Cap' /proc/self/status
	[ "$status" -eq 0 ]
	assert_eq "$(status_field CapBnd)" 0000000000002001 CapBnd
	assert_eq "$(status_field CapEff)" 0000000000000000 CapEff
	assert_eq "$(status_field CapPrm)" 0000000000000000 CapPrm
}

@test "security: a dropped capability is enforced (no CAP_CHOWN: chown fails)" {
	set_caps '["CAP_NET_RAW"]'
	run_ctr sh -c 'touch /tmp/f; chown 1000 /tmp/f'
	[ "$status" -ne 0 ]
	assert_contains "$output" "Operation not permitted"
	set_caps '["CAP_CHOWN"]'
	run_ctr sh -c 'touch /tmp/f; chown 1000 /tmp/f && stat -c %u /tmp/f'
	[ "$status" -eq 0 ]
	assert_eq "$output" 1000
}

@test "security: noNewPrivileges sets no_new_privs" {
	update_config '.process.noNewPrivileges = true'
	run_ctr grep '^NoNewPrivs:' /proc/self/status
	[ "$status" -eq 0 ]
	assert_eq "$(status_field NoNewPrivs)" 1 NoNewPrivs
	update_config '.process.noNewPrivileges = false'
	run_ctr grep '^NoNewPrivs:' /proc/self/status
	[ "$status" -eq 0 ]
	assert_eq "$(status_field NoNewPrivs)" 0 NoNewPrivs
}

@test "security: oomScoreAdj" {
	update_config '.process.oomScoreAdj = 123'
	run_ctr cat /proc/self/oom_score_adj
	[ "$status" -eq 0 ]
	assert_eq "$output" 123 oom_score_adj
}

@test "security: seccomp: an errno rule makes the syscall fail with EPERM" {
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}'
	run_ctr sh -c 'exec 2>&1; grep "^Seccomp:" /proc/self/status; touch /tmp/file && echo touch-ok; mkdir /tmp/x'
	[ "$status" -ne 0 ]
	assert_eq "${lines[0]}" "$(printf 'Seccomp:\t2')" Seccomp
	assert_eq "${lines[1]}" touch-ok
	assert_contains "$output" "Operation not permitted"
	[ ! -e "$BUNDLE/rootfs/tmp/x" ]
}

@test "security: seccomp: without a profile mkdir works (control)" {
	update_config 'del(.linux.seccomp)'
	run_ctr sh -c 'grep "^Seccomp:" /proc/self/status; mkdir /tmp/x && echo mkdir-ok'
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" "$(printf 'Seccomp:\t0')" Seccomp
	assert_eq "${lines[1]}" mkdir-ok
}

@test "security: seccomp: errnoRet chooses the errno" {
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 28}]}'
	run_ctr mkdir /tmp/x
	[ "$status" -ne 0 ]
	assert_contains "$output" "No space left on device"
}

@test "security: seccomp: SCMP_ACT_KILL kills the caller with SIGSYS" {
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_KILL"}]}'
	run_ctr sh -c 'exec 2>&1; mkdir /tmp/x; echo "rc=$?"'
	[ "$status" -eq 0 ]
	# 128 + SIGSYS (31); the shell may also print "Bad system call".
	assert_eq "${lines[-1]}" rc=159
}

@test "security: seccomp: an argument condition" {
	# Only umask(63) (= 077) is refused.
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["umask"], "action": "SCMP_ACT_ERRNO",
		"args": [{"index": 0, "value": 63, "op": "SCMP_CMP_EQ"}]}]}'
	# umask(077) fails (the shell ignores the error, the mask stays), umask(027) works.
	run_ctr sh -c 'umask 077; umask; umask 027; umask'
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" 0022 "after the refused umask(077)"
	assert_eq "${lines[1]}" 0027 "after umask(027)"
}
