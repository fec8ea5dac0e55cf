#!/usr/bin/env bats
# seccomp: what a syscall the profile does not know gets. A profile that denies by default (errno,
# kill, trap) gives ENOSYS, not the default action, to a syscall numbered above every one it names
# for the caller's arch: newer than the profile, so the libc falls back (clone3 -> clone,
# faccessat2 -> faccessat), which it does only on ENOSYS. Below that number the default applies.
# Profiles whose default lets a syscall run (ALLOW, LOG) are not changed. The probe (seccomp_probe.c,
# built static here) makes raw syscalls and prints what each returned. The basic actions are in
# security.bats. The listener (SCMP_ACT_NOTIFY, listenerPath) is at the end.

load helpers

setup_file() {
	cc -D_GNU_SOURCE -static -O2 -o "$BATS_FILE_TMPDIR/seccomp_probe" \
		"$BATS_TEST_DIRNAME/seccomp_probe.c" || return 1
}

setup() {
	setup_common
	make_bundle
	cp "$BATS_FILE_TMPDIR/seccomp_probe" "$BUNDLE/rootfs/probe"
	update_config '.process.noNewPrivileges = true'
}

teardown() {
	teardown_common
}

# What the runtime and a static program need between loading the filter and the probe's exit. The
# largest x86_64 number is rseq's (334): clone3 (435) is above it, getpgid (121) below, so under a
# denying default the first gets ENOSYS, the second the default. None of clone3, close_range and
# faccessat2 is here, as in a profile older than Linux 5.3.
ALLOWED='["read", "write", "writev", "close", "fstat", "newfstatat", "lseek", "openat", "fstatfs", "getdents64",
	"readlink", "readlinkat", "access", "faccessat", "mmap", "mprotect", "munmap", "brk",
	"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "ioctl", "fcntl", "dup2", "dup3", "getpid",
	"getppid", "gettid", "exit", "exit_group", "execve", "arch_prctl", "set_tid_address",
	"set_robust_list", "rseq", "prlimit64", "getrandom", "prctl", "uname", "futex", "sendmsg",
	"recvmsg", "poll", "ppoll", "capget", "capset", "setgroups", "setresuid", "setresgid",
	"getresuid", "getresgid", "setuid", "setgid", "chdir", "getcwd", "umask", "madvise",
	"sigaltstack", "kill", "tgkill", "nanosleep", "clock_nanosleep", "wait4", "epoll_create1",
	"epoll_ctl", "epoll_pwait", "epoll_wait", "sched_yield"]'

# The architectures of Docker's profile for this machine (runc 1.1.5 covers only those listed).
case "$(uname -m)" in
x86_64) ARCHS='["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]' ;;
aarch64) ARCHS='["SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"]' ;;
*) ARCHS='[]' ;;
esac

# profile DEFAULT-ACTION [EXTRA-FIELDS-JSON [EXTRA-RULES-JSON]]: linux.seccomp with ALLOWED allowed
# and getsid named with SCMP_ACT_ERRNO.
profile() {
	update_config '.linux.seccomp = ({"defaultAction": $d, "architectures": $archs,
		"syscalls": ([{"names": $a, "action": "SCMP_ACT_ALLOW"},
			{"names": ["getsid"], "action": "SCMP_ACT_ERRNO"}] + $r)} + $x)' \
		--arg d "$1" --argjson x "${2:-{\}}" --argjson r "${3:-[]}" --argjson a "$ALLOWED" \
		--argjson archs "$ARCHS"
}

# expect CALL RESULT: the probe's line for CALL in $output.
expect() {
	assert_eq "$(awk -v c="$1" '$1 == c {print $2}' <<<"$output")" "$2" "$1"
}

@test "seccomp: default SCMP_ACT_ERRNO: a syscall above the profile's gets ENOSYS" {
	profile SCMP_ACT_ERRNO
	run_ctr /probe 1000 clone3 getpgid getsid
	[ "$status" -eq 0 ]
	expect 1000 ENOSYS
	# the case that matters: glibc's clone3 falls back to clone on ENOSYS only
	expect clone3 ENOSYS
	# below the largest named syscall, not named: the default action
	expect getpgid EPERM
	# named with SCMP_ACT_ERRNO: its action
	expect getsid EPERM
}

@test "seccomp: default SCMP_ACT_ERRNO with defaultErrnoRet: ENOSYS above, the errno below" {
	profile SCMP_ACT_ERRNO '{"defaultErrnoRet": 6}' '[{"names": ["getpgid"], "action": "SCMP_ACT_ERRNO",
		"errnoRet": 18}]'
	run_ctr /probe 1000 clone3 getpgid getsid getpriority
	[ "$status" -eq 0 ]
	expect 1000 ENOSYS
	expect clone3 ENOSYS
	expect getpgid EXDEV
	expect getsid EPERM
	# not named, below rseq: the default errno, ENXIO
	expect getpriority ENXIO
}

@test "seccomp: default SCMP_ACT_KILL_PROCESS: a syscall above the profile's gets ENOSYS, not a kill" {
	profile SCMP_ACT_KILL_PROCESS
	update_config '.process.rlimits = [{"type": "RLIMIT_CORE", "soft": 0, "hard": 0}]'
	run_ctr /probe clone3 1000
	[ "$status" -eq 0 ]
	expect clone3 ENOSYS
	expect 1000 ENOSYS
	# below: the default kills (128 + SIGSYS)
	run_ctr /probe getpgid
	[ "$status" -eq 159 ]
}

@test "seccomp: default SCMP_ACT_ALLOW and SCMP_ACT_LOG: the syscalls above the profile's run" {
	# clone3 with no arguments reaches the kernel: EINVAL, not an ENOSYS from a stub
	profile SCMP_ACT_ALLOW
	run_ctr /probe clone3 getsid 1000
	[ "$status" -eq 0 ]
	expect clone3 EINVAL
	expect getsid EPERM
	expect 1000 ENOSYS
	profile SCMP_ACT_LOG
	run_ctr /probe clone3 getsid
	[ "$status" -eq 0 ]
	expect clone3 EINVAL
	expect getsid EPERM
}

@test "seccomp: the native arch is covered when architectures leaves it out" {
	[ "$(uname -m)" = x86_64 ] || skip "x86_64 only (names SCMP_ARCH_X86)"
	runc_gap "the -ENOSYS stub covers only the architectures listed"
	profile SCMP_ACT_ERRNO '{"architectures": ["SCMP_ARCH_X86"]}'
	run_ctr /probe 1000 clone3 getpgid
	[ "$status" -eq 0 ]
	expect 1000 ENOSYS
	expect clone3 ENOSYS
	expect getpgid EPERM
}

@test "seccomp: SCMP_ACT_NOTIFY under a denying default: the agent answers, the stub still applies" {
	local agent="$REPO/build/tests/seccomp_agent" sock="$TEST_TMP/agent.sock"
	[ -x "$agent" ] || make -C "$REPO" -s helpers >/dev/null
	# the agent answers every notified syscall with EHOSTDOWN
	"$agent" "$sock" "$TEST_TMP/agent.state" 112 &
	track_pid $!
	wait_for_file "$sock"
	profile SCMP_ACT_ERRNO "$(jq -n '{"listenerPath": $p}' --arg p "$sock")" \
		'[{"names": ["getpgid"], "action": "SCMP_ACT_NOTIFY"}]'
	run_ctr /probe getpgid 1000 clone3 getsid
	[ "$status" -eq 0 ]
	expect getpgid EHOSTDOWN
	expect 1000 ENOSYS
	expect clone3 ENOSYS
	expect getsid EPERM
}

@test "seccomp: seccomp SCMP_ACT_NOTIFY hands the listener fd and the state to listenerPath" {
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

@test "seccomp: SCMP_ACT_NOTIFY without listenerPath is refused" {
	requires_ocirun
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}]}'
	run_rt run -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	assert_contains "$output" "listenerPath"
	assert_no_leftovers
}

@test "seccomp: SCMP_ACT_NOTIFY with no agent at listenerPath fails in runc's words, nothing left" {
	requires_ocirun
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": $p,
		"syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}]}' --arg p "$TEST_TMP/no-agent.sock"
	run_rt run -b "$BUNDLE" "$ID"
	[ "$status" -ne 0 ]
	assert_contains "$output" "linux.seccomp.listenerPath: failed to connect with seccomp agent"
	assert_contains "$output" "No such file or directory"
	assert_no_leftovers
}

@test "seccomp: SCMP_ACT_NOTIFY: an exec'd process's notify fd reaches the agent too" {
	local agent="$REPO/build/tests/seccomp_agent" sock="$TEST_TMP/agent.sock"
	[ -x "$agent" ] || make -C "$REPO" -s helpers >/dev/null
	"$agent" "$sock" "$TEST_TMP/agent.state" 112 &
	track_pid $!
	wait_for_file "$sock"
	profile SCMP_ACT_ALLOW "$(jq -n '{"listenerPath": $p}' --arg p "$sock")" \
		'[{"names": ["getpgid"], "action": "SCMP_ACT_NOTIFY"}]'
	set_args sleep 1000
	start_detached
	wait_for_file "$TEST_TMP/agent.state"
	# the first agent serves the init's fd only: a second one on the same path gets the exec's
	rm -f "$sock"
	"$agent" "$sock" "$TEST_TMP/agent2.state" 112 &
	track_pid $!
	wait_for_file "$sock"
	run_rt exec "$ID" /probe getpgid
	[ "$status" -eq 0 ]
	expect getpgid EHOSTDOWN
	[ -s "$TEST_TMP/agent2.state" ]
}
