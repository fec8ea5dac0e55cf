#!/bin/bash
# Shared vocabulary for the integration suite. Load with `load helpers`: it
# defines the usual setup() (setup_common, then make_bundle) and teardown()
# (teardown_common); a file that needs more defines its own after the load,
# calling setup_common / teardown_common.
#
# RUNTIME is the runtime under test (default: $OCIRUN, else ./ocirun at the
# repo root). The suite is validated against runc with RUNTIME=runc.
#
# Every test gets its own temp dir ($TEST_TMP) holding the runtime's state
# root ($TEST_ROOT), the bundle ($BUNDLE) and any host-side files, and a
# container ID ($ID) unique to the run and the test, so leftovers (state
# dirs, cgroups, mounts, processes) can be attributed to the test.

bats_require_minimum_version 1.5.0

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
RUNTIME="${RUNTIME:-${OCIRUN:-$REPO/ocirun}}"
if [[ "$RUNTIME" != */* ]]; then
	RUNTIME="$(command -v "$RUNTIME" || echo "$RUNTIME")"
fi
RUNTIME_NAME="$(basename "$RUNTIME")"
BUSYBOX="${BUSYBOX:-/bin/busybox}"

# Bounded polling: POLL_TRIES * POLL_INTERVAL is an upper bound on any wait
# (about 30 s); nothing asserts on how long something took.
POLL_TRIES=600
POLL_INTERVAL=0.05

# --- running the runtime ---------------------------------------------------

# rt ARGS...: the runtime under test with this test's private state root.
rt() {
	"$RUNTIME" --root "$TEST_ROOT" "$@"
}

# run_rt [--separate-stderr] ARGS...: like bats' `run rt ARGS...` (sets
# $status, $output, $lines, and $stderr when separate), but the runtime's
# stdio are files, not pipes: a container that outlives the command (a
# runtime bug, or a create that should have failed) cannot hang the test.
run_rt() {
	local sep=""
	if [ "${1:-}" = --separate-stderr ]; then
		sep=1
		shift
	fi
	local out="$TEST_TMP/rt.out" err="$TEST_TMP/rt.err"
	status=0
	if [ -n "$sep" ]; then
		rt "$@" </dev/null >"$out" 2>"$err" || status=$?
		stderr="$(cat "$err")"
	else
		rt "$@" </dev/null >"$out" 2>&1 || status=$?
	fi
	output="$(cat "$out")"
	mapfile -t lines <<<"$output"
	[ -n "$output" ] || lines=()
	# A trace for the failure report (bats shows it only if the test fails).
	{
		echo "rt $* -> status $status"
		[ -z "$output" ] || sed 's/^/  | /' <<<"$output"
		[ -z "$sep" ] || [ -z "$stderr" ] || sed 's/^/  ! /' <<<"$stderr"
	} >&2
}

# run_ctr [ARG...]: set process.args (if given) and run the container $ID in
# the foreground with `run`; $status/$output/$lines hold its exit and output.
# stdout and stderr are two streams (runc copies each through its own pipe),
# so their interleaving is undefined: scripts that check the order of
# messages start with `exec 2>&1`.
run_ctr() {
	[ $# -gt 0 ] && set_args "$@"
	run_rt run -b "$BUNDLE" "$ID"
}

# run_ctr_sep [ARG...]: like run_ctr with stdout in $output and stderr in $stderr.
run_ctr_sep() {
	[ $# -gt 0 ] && set_args "$@"
	run_rt --separate-stderr run -b "$BUNDLE" "$ID"
}

# start_detached [ID]: `run -d`; the container's stdio goes to
# $TEST_TMP/<id>.out / .err (so a long-lived container never holds a pipe
# of the test open). Fails the test if the runtime fails.
start_detached() {
	local id="${1:-$ID}"
	if ! rt run -d -b "$BUNDLE" "$id" </dev/null >"$TEST_TMP/$id.out" 2>"$TEST_TMP/$id.err"; then
		echo "run -d $id failed:" >&2
		cat "$TEST_TMP/$id.err" >&2
		return 1
	fi
}

# create_ctr [ID] [EXTRA ARGS...]: `create` with stdio to files, like start_detached.
create_ctr() {
	local id="${1:-$ID}"
	shift || true
	if ! rt create -b "$BUNDLE" "$@" "$id" </dev/null >"$TEST_TMP/$id.out" 2>"$TEST_TMP/$id.err"; then
		echo "create $id failed:" >&2
		cat "$TEST_TMP/$id.err" >&2
		return 1
	fi
}

# ctr_status ID: the status field of `state`, or nothing.
ctr_status() {
	rt state "$1" 2>/dev/null | jq -r .status 2>/dev/null
}

# ctr_pid ID: the pid field of `state`.
ctr_pid() {
	rt state "$1" | jq -r .pid
}

# wait_for_status ID STATUS: poll `state` until it reports STATUS.
wait_for_status() {
	local id="$1" want="$2" i got=""
	for ((i = 0; i < POLL_TRIES; i++)); do
		got="$(ctr_status "$id")" || got=""
		[ "$got" = "$want" ] && return 0
		sleep "$POLL_INTERVAL"
	done
	echo "container $id: status is '$got', expected '$want'" >&2
	return 1
}

# wait_for_file PATH: poll until PATH exists.
wait_for_file() {
	local i
	for ((i = 0; i < POLL_TRIES; i++)); do
		[ -e "$1" ] && return 0
		sleep "$POLL_INTERVAL"
	done
	echo "$1 did not appear" >&2
	return 1
}

# wait_for_exit PID: poll until PID is gone (or a zombie).
wait_for_exit() {
	local i st
	for ((i = 0; i < POLL_TRIES; i++)); do
		st="$(awk '/^State:/ {print $2}' "/proc/$1/status" 2>/dev/null)" || st=""
		[ -z "$st" ] || [ "$st" = Z ] && return 0
		sleep "$POLL_INTERVAL"
	done
	echo "pid $1 is still alive" >&2
	return 1
}

# --- bundles and config ----------------------------------------------------

# The base rootfs is built once per suite run and copied per test.
_base_rootfs() {
	local base="$BATS_RUN_TMPDIR/base-rootfs"
	(
		flock 9
		[ -e "$base/.complete" ] && exit 0
		rm -rf "$base"
		mkdir -p "$base"/{bin,etc,tmp,proc,sys,dev,root,home/user,mnt}
		chmod 1777 "$base/tmp"
		cp "$BUSYBOX" "$base/bin/busybox"
		local a
		for a in $("$BUSYBOX" --list); do
			[ "$a" = busybox ] || ln -s busybox "$base/bin/$a"
		done
		cat >"$base/etc/passwd" <<-'EOF'
			root:x:0:0:root:/root:/bin/sh
			user:x:1000:1000:user:/home/user:/bin/sh
			nobody:x:65534:65534:nobody:/nonexistent:/bin/false
		EOF
		cat >"$base/etc/group" <<-'EOF'
			root:x:0:
			tty:x:5:
			user:x:1000:
			extra1:x:1001:user
			extra2:x:1002:user
			nogroup:x:65534:
		EOF
		chown 1000:1000 "$base/home/user"
		touch "$base/.complete"
	) 9>"$BATS_RUN_TMPDIR/base-rootfs.lock"
	echo "$base"
}

# make_bundle: $BUNDLE with rootfs/ (busybox) and config.json from
# `$RUNTIME spec`, normalised: no terminal, writable rootfs, process.args
# `true`. Tests change it with update_config / set_args.
make_bundle() {
	local base
	base="$(_base_rootfs)" || return 1
	mkdir -p "$BUNDLE"
	cp -a "$base" "$BUNDLE/rootfs"
	rm -f "$BUNDLE/rootfs/.complete"
	(cd "$BUNDLE" && "$RUNTIME" spec) || {
		echo "$RUNTIME spec failed" >&2
		return 1
	}
	update_config '.process.terminal = false
		| .root.path = "rootfs"
		| .root.readonly = false
		| .process.args = ["true"]'
}

# update_config JQ [JQ ARGS...]: edit $BUNDLE/config.json in place.
update_config() {
	local tmp="$BUNDLE/config.json.tmp"
	jq "${@:2}" "$1" "$BUNDLE/config.json" >"$tmp" && mv "$tmp" "$BUNDLE/config.json" || {
		echo "update_config failed: $1" >&2
		rm -f "$tmp"
		return 1
	}
}

# set_args ARG...: process.args.
set_args() {
	local a
	a="$(jq -n '$ARGS.positional' --args -- "$@")"
	update_config '.process.args = $a' --argjson a "$a"
}

# add_mount JSON: append one mount object to .mounts.
add_mount() {
	update_config '.mounts += [$m]' --argjson m "$1"
}

# add_bind SRC DEST [OPTION...]: append a bind mount (options default: rbind).
add_bind() {
	local src="$1" dest="$2" opts
	shift 2
	[ $# -gt 0 ] || set -- rbind
	opts="$(jq -n '$ARGS.positional' --args -- "$@")"
	update_config '.mounts += [{"destination": $d, "type": "bind", "source": $s, "options": $o}]' \
		--arg d "$dest" --arg s "$src" --argjson o "$opts"
}

# share_dir: bind $SHARED (a host dir) at /shared in the container, rw.
# Containers drop markers there; the test reads them from the host.
share_dir() {
	mkdir -p "$SHARED"
	chmod 777 "$SHARED"
	add_bind "$SHARED" /shared rbind rw
}

# no_pidns: remove the pid namespace (so the process is not a namespace init
# and can be killed by its own signals).
no_pidns() {
	update_config 'del(.linux.namespaces[] | select(.type == "pid"))'
}

# add_ns TYPE [PATH]: add a namespace entry (replacing one of the same type).
add_ns() {
	if [ -n "${2:-}" ]; then
		update_config '.linux.namespaces = ([.linux.namespaces[] | select(.type != $t)] + [{"type": $t, "path": $p}])' \
			--arg t "$1" --arg p "$2"
	else
		update_config '.linux.namespaces = ([.linux.namespaces[] | select(.type != $t)] + [{"type": $t}])' \
			--arg t "$1"
	fi
}

# userns_config: a new user namespace mapping container ids 0..65535 to host 200000...
userns_config() {
	update_config '.linux.namespaces += [{"type": "user"}]
		| .linux.uidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 200000, "size": 65536}]'
}

# join_userns_of NAME: run NAME detached (sleep, in a user namespace of its own, userns_config),
# then make $BUNDLE afresh, joining that user namespace by path. JOINED_PID is NAME's init.
join_userns_of() {
	userns_config
	set_args sleep 1000
	start_detached "$1" || return 1
	JOINED_PID="$(ctr_pid "$1")"
	rm -rf "$BUNDLE"
	make_bundle || return 1
	add_ns user "/proc/$JOINED_PID/ns/user"
}

# --- capabilities ----------------------------------------------------------

declare -gA CAP_BITS=(
	[CAP_CHOWN]=0 [CAP_DAC_OVERRIDE]=1 [CAP_DAC_READ_SEARCH]=2 [CAP_FOWNER]=3
	[CAP_FSETID]=4 [CAP_KILL]=5 [CAP_SETGID]=6 [CAP_SETUID]=7 [CAP_SETPCAP]=8
	[CAP_LINUX_IMMUTABLE]=9 [CAP_NET_BIND_SERVICE]=10 [CAP_NET_BROADCAST]=11
	[CAP_NET_ADMIN]=12 [CAP_NET_RAW]=13 [CAP_IPC_LOCK]=14 [CAP_IPC_OWNER]=15
	[CAP_SYS_MODULE]=16 [CAP_SYS_RAWIO]=17 [CAP_SYS_CHROOT]=18 [CAP_SYS_PTRACE]=19
	[CAP_SYS_PACCT]=20 [CAP_SYS_ADMIN]=21 [CAP_SYS_BOOT]=22 [CAP_SYS_NICE]=23
	[CAP_SYS_RESOURCE]=24 [CAP_SYS_TIME]=25 [CAP_SYS_TTY_CONFIG]=26 [CAP_MKNOD]=27
	[CAP_LEASE]=28 [CAP_AUDIT_WRITE]=29 [CAP_AUDIT_CONTROL]=30 [CAP_SETFCAP]=31
	[CAP_MAC_OVERRIDE]=32 [CAP_MAC_ADMIN]=33 [CAP_SYSLOG]=34 [CAP_WAKE_ALARM]=35
	[CAP_BLOCK_SUSPEND]=36 [CAP_AUDIT_READ]=37 [CAP_PERFMON]=38 [CAP_BPF]=39
	[CAP_CHECKPOINT_RESTORE]=40
)

# cap_mask NAME...: the 16-hex-digit mask /proc/<pid>/status prints.
cap_mask() {
	local m=0 c
	for c in "$@"; do
		[ -n "${CAP_BITS[$c]+x}" ] || {
			echo "cap_mask: unknown $c" >&2
			return 1
		}
		((m |= 1 << CAP_BITS[$c]))
	done
	printf '%016x\n' "$m"
}

# config_cap_mask SET: the mask for process.capabilities.SET in config.json.
config_cap_mask() {
	# shellcheck disable=SC2046
	cap_mask $(jq -r --arg s "$1" '.process.capabilities[$s] // [] | .[]' "$BUNDLE/config.json")
}

# --- cgroups ---------------------------------------------------------------

# cgroup_dir PID CONTROLLER: host directory of PID's cgroup for CONTROLLER:
# its v1 hierarchy when CONTROLLER is mounted as one, else the v2 tree.
cgroup_dir() {
	local pid="$1" ctrl="$2" path
	if [ "$(stat -f -c %T "/sys/fs/cgroup/$ctrl" 2>/dev/null)" = cgroupfs ]; then
		path="$(awk -F: -v c="$ctrl" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3 }' \
			"/proc/$pid/cgroup")"
		echo "/sys/fs/cgroup/$ctrl$path"
		return
	fi
	path="$(awk -F: '$1 == "0" {print $3}' "/proc/$pid/cgroup")"
	if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
		echo "/sys/fs/cgroup$path"
	else
		echo "/sys/fs/cgroup/unified$path"
	fi
}

# cgroup_v1 CONTROLLER: CONTROLLER is a v1 hierarchy on this host.
cgroup_v1() {
	[ "$(stat -f -c %T "/sys/fs/cgroup/$1" 2>/dev/null)" = cgroupfs ]
}

# --- skips -----------------------------------------------------------------

# requires FEATURE...: skip unless each holds.
requires() {
	local f
	for f in "$@"; do
		case "$f" in
		root)
			[ "$(id -u)" -eq 0 ] || skip "needs root"
			;;
		cgroup_v1)
			[ "$(stat -f -c %T /sys/fs/cgroup/memory 2>/dev/null)" = cgroupfs ] ||
				skip "needs cgroup v1 controllers"
			;;
		cgroup_v2)
			[ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" = cgroup2fs ] ||
				[ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ] ||
				skip "needs cgroup v2"
			;;
		memory | pids | cpu)
			cgroup_v1 "$f" || grep -qw "$f" /sys/fs/cgroup/cgroup.controllers 2>/dev/null ||
				grep -qw "$f" /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null ||
				skip "needs the $f cgroup controller"
			;;
		cgroupns)
			[ -e /proc/self/ns/cgroup ] || skip "needs cgroup namespaces"
			;;
		ip)
			command -v ip >/dev/null || skip "needs iproute2 (ip)"
			;;
		*)
			echo "requires: unknown feature $f" >&2
			return 1
			;;
		esac
	done
}

# requires_ocirun: skip checks of ocirun's own wording under other runtimes.
requires_ocirun() {
	case "$RUNTIME_NAME" in
	runc | crun) skip "checks ocirun-specific details ($RUNTIME_NAME under test)" ;;
	esac
}

# runc_gap REASON: skip a spec-conformant check that runc 1.1.5 fails.
runc_gap() {
	[ "$RUNTIME_NAME" = runc ] && skip "runc 1.1.5 gap: $*"
	return 0
}

# --- assertions ------------------------------------------------------------

# assert_contains HAYSTACK NEEDLE
assert_contains() {
	if [[ "$1" != *"$2"* ]]; then
		printf 'expected to find: %s\nin: %s\n' "$2" "$1" >&2
		return 1
	fi
}

# assert_not_contains HAYSTACK NEEDLE
assert_not_contains() {
	if [[ "$1" == *"$2"* ]]; then
		printf 'expected NOT to find: %s\nin: %s\n' "$2" "$1" >&2
		return 1
	fi
}

# assert_eq GOT WANT [WHAT]
assert_eq() {
	if [ "$1" != "$2" ]; then
		printf '%s: got [%s], want [%s]\n' "${3:-value}" "$1" "$2" >&2
		return 1
	fi
}

# status_field FIELD: the value of FIELD in $output holding /proc/*/status.
status_field() {
	awk -v f="$1:" '$1 == f {print $2}' <<<"$output"
}

# One JSON object per non-empty line of FILE (a --log-format json log).
assert_json_lines() {
	local line n=0
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		jq -e 'type == "object"' <<<"$line" >/dev/null || {
			echo "not a JSON object: $line" >&2
			return 1
		}
		n=$((n + 1))
	done <"$1"
	[ "$n" -gt 0 ] || {
		echo "$1 has no lines" >&2
		return 1
	}
}

# Processes whose root directory is the rootfs DIR. /proc/<pid>/root of a
# process in another mount namespace reads as "/" when its root is not
# reachable from ours, so compare device:inode instead of paths.
_procs_in() {
	local want p
	want="$(stat -c %d:%i "$1" 2>/dev/null)" || return 0
	for p in /proc/[0-9]*; do
		[ "$(stat -L -c %d:%i "$p/root/" 2>/dev/null)" = "$want" ] && echo "${p#/proc/}"
	done
	return 0
}

# Mount points (host mount ns) under DIR.
_mounts_under() {
	awk -v d="$1" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo
}

# cgroup dirs named for ID (exactly, or ID followed by a non-digit, e.g.
# "<id>.scope"), at a bounded depth.
_cgroups_of() {
	find /sys/fs/cgroup -maxdepth 6 -type d \( -name "*$1" -o -name "*$1[!0-9]*" \) 2>/dev/null
}

# assert_no_leftovers ID: no state dir, cgroup, mount or process left.
assert_no_leftovers() {
	local id="${1:-$ID}" bad=0 x
	if [ -e "$TEST_ROOT/$id" ]; then
		echo "leftover state dir: $TEST_ROOT/$id" >&2
		bad=1
	fi
	x="$(_cgroups_of "$id")"
	if [ -n "$x" ]; then
		echo "leftover cgroups: $x" >&2
		bad=1
	fi
	x="$(_mounts_under "$BUNDLE")"
	if [ -n "$x" ]; then
		echo "leftover mounts: $x" >&2
		bad=1
	fi
	x="$(_procs_in "$BUNDLE/rootfs")"
	if [ -n "$x" ]; then
		echo "leftover processes in the rootfs: $x" >&2
		bad=1
	fi
	return "$bad"
}

# --- setup / teardown ------------------------------------------------------

# track_pid PID: a process the test started; killed in teardown if alive.
track_pid() {
	TRACKED_PIDS+=("$1")
}

# on_teardown CMD...: run CMD in teardown (last registered runs first).
on_teardown() {
	local q
	printf -v q '%q ' "$@"
	TEARDOWN_CMDS=("$q" "${TEARDOWN_CMDS[@]}")
}

setup_common() {
	requires root
	[ -x "$RUNTIME" ] || {
		echo "runtime under test not found: $RUNTIME (set RUNTIME or OCIRUN)" >&2
		return 1
	}
	TEST_TMP="$(mktemp -d "${OCIRUN_TEST_TMPDIR:-/tmp}/ocirun-it.XXXXXX")"
	chmod 755 "$TEST_TMP"
	TEST_ROOT="$TEST_TMP/state"
	BUNDLE="$TEST_TMP/bundle"
	SHARED="$TEST_TMP/shared"
	ID="ocit-${BATS_ROOT_PID:-$$}-${BATS_SUITE_TEST_NUMBER:-$BATS_TEST_NUMBER}"
	TRACKED_PIDS=()
	TEARDOWN_CMDS=()
	mkdir -p "$TEST_ROOT"
}

teardown_common() {
	[ -n "${TEST_TMP:-}" ] && [ -d "$TEST_TMP" ] || return 0
	local d id p m

	# Containers: through the runtime first.
	for d in "$TEST_ROOT"/*; do
		[ -e "$d" ] || continue
		id="$(basename "$d")"
		rt delete -f "$id" >/dev/null 2>&1 || echo "teardown: delete -f $id failed" >&2
	done
	# Whatever the runtime left running in our rootfs, by pid.
	for p in $(_procs_in "$BUNDLE/rootfs"); do
		echo "teardown: killing leftover pid $p" >&2
		kill -KILL "$p" 2>/dev/null
	done
	for p in "${TRACKED_PIDS[@]}"; do
		if kill -0 "$p" 2>/dev/null; then
			kill -KILL "$p" 2>/dev/null
			wait "$p" 2>/dev/null
		fi
	done
	for p in "${TEARDOWN_CMDS[@]}"; do
		eval "$p" >/dev/null 2>&1 || echo "teardown: '$p' failed" >&2
	done
	# cgroups named for this test's containers (ours by name), leaves first.
	find /sys/fs/cgroup -maxdepth 6 -depth -type d \
		\( -name "*$ID" -o -name "*$ID[!0-9]*" \) -exec rmdir {} \; 2>/dev/null
	# Mounts a broken runtime may have leaked into the host namespace under
	# our temp dir; unmount before removing anything, deepest first.
	for m in $(_mounts_under "$TEST_TMP" | sort -r); do
		umount -l "$m" 2>/dev/null
	done
	rm -rf --one-file-system "$TEST_TMP"
}

# --- mountinfo (as captured in $output) -----------------------------------

# mi_field MOUNTPOINT WHAT: from mountinfo text in $output, for the last
# mount on MOUNTPOINT, print WHAT: fstype, opts (per-mount options), super
# (superblock options), root (root of the mount in its filesystem).
mi_field() {
	awk -v mp="$1" -v what="$2" '
		$5 == mp {
			for (i = 7; i <= NF; i++) if ($i == "-") break
			if (what == "fstype") v = $(i + 1)
			else if (what == "opts") v = $6
			else if (what == "super") v = $(i + 3)
			else if (what == "root") v = $4
			found = 1
		}
		END { if (found) print v; else exit 1 }' <<<"$output"
}

# has_opt OPTS NAME: OPTS (comma-separated) contains NAME (or NAME=...).
has_opt() {
	[[ ",$1," == *",$2,"* || ",$1," == *",$2="* ]]
}

# The usual per-test set-up and clean-up; a file may define its own instead.
setup() {
	setup_common
	make_bundle
}

teardown() {
	teardown_common
}
