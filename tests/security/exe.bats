#!/usr/bin/env bats
# CVE-2019-5736 class: a process in the container must never get a handle that writes, or can be
# reopened to write, the runtime's binary on the host. Each test runs a private copy of the runtime
# under test and checks it stays byte-identical while a hostile program in the container
# (exe_attack.c, built static here) tries three ways that worked against ocirun before it re-exec'd
# itself from a read-only file (docs/design.md, "The runtime's own binary").

load ../integration/helpers

setup_file() {
	cc -D_GNU_SOURCE -static -O2 -o "$BATS_FILE_TMPDIR/exe_attack" \
		"$BATS_TEST_DIRNAME/exe_attack.c" || return 1
}

setup() {
	setup_common
	make_bundle
	share_dir
	cp "$BATS_FILE_TMPDIR/exe_attack" "$BUNDLE/rootfs/attack"
	ORIG_RUNTIME="$RUNTIME"
	use_copy "$TEST_TMP/bin"
	# The runtime's shared libraries, as an image with a C library has them, so that the runtime
	# binary can start inside the container at all.
	local lib
	for lib in $(ldd "$RUNTIME" | grep -oE '/[^ ]+'); do
		mkdir -p "$BUNDLE/rootfs$(dirname "$lib")"
		cp -L "$lib" "$BUNDLE/rootfs$lib"
	done
	# A script whose interpreter is the runtime itself, while the process that execs it still
	# runs the runtime's image; `--log=/fifo` makes that runtime block until the attacker holds
	# its executable and opens the fifo.
	mkfifo "$BUNDLE/rootfs/fifo"
	printf '#!/proc/self/exe --log=/fifo\n' >"$BUNDLE/rootfs/evil.sh"
	chmod 755 "$BUNDLE/rootfs/evil.sh"
}

# use_copy DIR: the runtime under test becomes a private copy in DIR (the attacks may write to it).
# A DIR with a ':' makes ocirun fall back from the read-only overlay to the sealed memfd copy.
use_copy() {
	mkdir -p "$1"
	cp "$ORIG_RUNTIME" "$1/$RUNTIME_NAME"
	RUNTIME="$1/$RUNTIME_NAME"
	SUM="$(sha256sum <"$RUNTIME")"
	WANT_DENIAL="DENIED EROFS" # a file of an overlay without an upper layer
	[[ "$1" != *:* ]] || WANT_DENIAL="DENIED EPERM" # a memfd sealed against writes
	case "$RUNTIME_NAME" in runc | crun) WANT_DENIAL=DENIED ;; esac
}

teardown() {
	# a successful attack leaves a broken copy: clean up with the original
	RUNTIME="${ORIG_RUNTIME:-$RUNTIME}"
	teardown_common
}

# wait_result: the attacker's final line in $SHARED/result (not HOLDING).
wait_result() {
	local i r=""
	for ((i = 0; i < POLL_TRIES; i++)); do
		r="$(cat "$SHARED/result" 2>/dev/null)" || r=""
		[ -n "$r" ] && [ "$r" != HOLDING ] && break
		sleep "$POLL_INTERVAL"
	done
	echo "$r"
}

# assert_intact RESULT: the attacker got a handle on the runtime's executable, but no write
# open of it worked (for ocirun: refused as its kind of protected file refuses it); the binary is
# byte-identical.
assert_intact() {
	echo "attacker: $1" >&2
	assert_eq "$(sha256sum <"$RUNTIME")" "$SUM" "sha256 of the runtime binary"
	[[ "$1" == "$WANT_DENIAL"* ]] || {
		echo "attacker result: got [$1], want [$WANT_DENIAL]" >&2
		return 1
	}
}

# attack_exec_script: attack 1, an exec of the script while the attacker scans for its runtime.
attack_exec_script() {
	set_args /attack scan 20 /shared/result /fifo
	start_detached
	timeout 30 "$RUNTIME" --root "$TEST_ROOT" exec "$ID" /evil.sh </dev/null >/dev/null 2>&1 || true
	assert_intact "$(wait_result)"
}

# attack_created_init [CAP]: attack 3, a process exec'd into the created container holds
# /proc/1/exe (with CAP added to every set), and the container is started under it.
attack_created_init() {
	[ -z "${1:-}" ] || update_config '.process.capabilities |= with_entries(.value += [$c])' --arg c "$1"
	set_args sleep 2
	create_ctr
	rt exec -d "$ID" /attack pid 1 20 /shared/result </dev/null >/dev/null 2>&1
	# Start only once the attacker holds the init's executable (or knows it cannot).
	for ((i = 0; i < POLL_TRIES; i++)); do
		[ -s "$SHARED/result" ] && break
		sleep "$POLL_INTERVAL"
	done
	rt start "$ID"
	wait_result
}

@test "exe: exec of a '#!/proc/self/exe' script cannot overwrite the runtime" {
	attack_exec_script
}

@test "exe: the init of a container joining another's pid namespace cannot be used" {
	set_args /attack scan 20 /shared/result /fifo
	start_detached
	pid="$(ctr_pid "$ID")"
	set_args /evil.sh
	add_ns pid "/proc/$pid/ns/pid"
	timeout 30 "$RUNTIME" --root "$TEST_ROOT" run -d -b "$BUNDLE" "$ID-b" \
		</dev/null >/dev/null 2>&1 || true
	assert_intact "$(wait_result)"
}

@test "exe: CAP_SYS_PTRACE in the container cannot reach the created init's binary" {
	assert_intact "$(attack_created_init CAP_SYS_PTRACE)"
}

@test "exe: without CAP_SYS_PTRACE the created init's executable cannot even be opened" {
	# the init is made not dumpable (and that is checked) before anything of the container runs
	r="$(attack_created_init)"
	echo "attacker: $r" >&2
	assert_eq "$r" "NOEXE EACCES" "attacker result"
	assert_eq "$(sha256sum <"$RUNTIME")" "$SUM" "sha256 of the runtime binary"
}

@test "exe: sealed copy: exec of a '#!/proc/self/exe' script cannot overwrite the runtime" {
	use_copy "$TEST_TMP/bin:sealed"
	attack_exec_script
}

@test "exe: sealed copy: CAP_SYS_PTRACE in the container cannot reach the created init's binary" {
	use_copy "$TEST_TMP/bin:sealed"
	assert_intact "$(attack_created_init CAP_SYS_PTRACE)"
}

@test "exe: control: the attacker does overwrite a binary it may write (it is not a no-op)" {
	set_args sh -c 'mkdir /v && cp /bin/busybox /v/sleep && { /v/sleep 1 & } && exec /attack scan 10 /shared/result'
	run_ctr
	assert_eq "$(cat "$SHARED/result")" WROTE "attacker result"
	assert_eq "$(head -c 5 "$BUNDLE/rootfs/v/sleep")" PWNED "start of the victim"
}
