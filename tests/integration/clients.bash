#!/bin/bash
# Shared helpers for the client suites (containerd.bats, docker.bats,
# podman.bats): a busybox image built locally, the runtime as the client
# sees it, private daemons started once per file, and client_capture.
# The scenarios docker.bats and podman.bats share are in engine.bash.
#
# Load after helpers (`load helpers; load clients`). Each file calls
# client_setup_file / client_teardown_file from setup_file / teardown_file
# and client_setup from setup:
# $CLIENT_TMP is the file's temp dir (daemon roots, sockets, images, logs),
# $CLIENT_RT the runtime path handed to the client.
#
# CLIENT_TRACE=1 hands the client a wrapper instead of $RUNTIME, which logs
# each call (argv and exit status) to $CLIENT_TMP/trace.log, copies each
# bundle's config.json to $CLIENT_TMP/configs/<wrapper pid>.json, and keeps
# $CLIENT_TMP for inspection (CLIENT_KEEP=1 keeps it without tracing).
# Without it the client runs $RUNTIME itself.

CLIENT_IMAGE_NAME="localhost/ocirun-test/busybox:latest"

# client_skip_file REASON: skip every test of the file (bats 1.8 cannot skip
# from setup_file: the reason is exported and client_setup skips).
client_skip_file() {
	export CLIENT_SKIP="$1"
}

# client_setup: skip if the file is skipped; else setup_common.
client_setup() {
	[ -z "${CLIENT_SKIP:-}" ] || skip "$CLIENT_SKIP"
	setup_common
}

# client_requires CMD...: false after client_skip_file unless running as
# root with every CMD installed (setup_file: `client_requires ... || return 0`).
client_requires() {
	local c missing=()
	if [ "$(id -u)" -ne 0 ]; then
		client_skip_file "needs root"
		return 1
	fi
	for c in "$@"; do
		command -v "$c" >/dev/null || missing+=("$c")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		client_skip_file "not installed: ${missing[*]} (see scripts/deps.txt)"
		return 1
	fi
}

# client_setup_file NAME: $CLIENT_TMP, $CLIENT_RT, the busybox tarballs.
client_setup_file() {
	[ -x "$RUNTIME" ] || {
		echo "runtime under test not found: $RUNTIME (set RUNTIME or OCIRUN)" >&2
		return 1
	}
	CLIENT_TMP="$(mktemp -d "${OCIRUN_TEST_TMPDIR:-/tmp}/ocirun-$1.XXXXXX")"
	chmod 755 "$CLIENT_TMP"
	export CLIENT_TMP
	# Host paths the clients use whatever their configuration says
	# (containerd 1.6's shim sockets in /run/containerd/s, dockerd's
	# /run/docker/plugins): removed at the end if this file made them.
	local d
	CLIENT_MADE_DIRS=""
	for d in /run/containerd /run/docker; do
		[ -e "$d" ] || CLIENT_MADE_DIRS+="$d "
	done
	export CLIENT_MADE_DIRS
	# Clients run the runtime from elsewhere (the bundle, conmon's cwd):
	# an absolute path (symlinks kept: the name matters to some).
	RUNTIME="$(realpath -s "$RUNTIME")"
	export RUNTIME
	CLIENT_RT="$RUNTIME"
	if [ -n "${CLIENT_TRACE:-}" ]; then
		# Same basename as the runtime: clients key a few behaviours on it.
		CLIENT_RT="$CLIENT_TMP/bin/$RUNTIME_NAME"
		mkdir -p "$CLIENT_TMP/bin"
		cat >"$CLIENT_RT" <<-EOF
			#!/bin/bash
			# Logs each call, keeps each bundle's config.json, runs the runtime.
			log="$CLIENT_TMP/trace.log"
			printf '%s [%d] cwd=%s argv:' "\$(date +%T.%N)" \$\$ "\$PWD" >>"\$log"
			printf ' %q' "\$@" >>"\$log"
			echo >>"\$log"
			prev=
			for a in "\$@"; do
				case "\$prev" in --bundle | -b) cp "\$a/config.json" "$CLIENT_TMP/configs/\$\$.json" 2>/dev/null ;; esac
				case "\$a" in --bundle=*) cp "\${a#--bundle=}/config.json" "$CLIENT_TMP/configs/\$\$.json" 2>/dev/null ;; esac
				prev="\$a"
			done
			"$RUNTIME" "\$@"
			rc=\$?
			echo "\$(date +%T.%N) [\$\$] exit \$rc" >>"\$log"
			exit \$rc
		EOF
		mkdir -p "$CLIENT_TMP/configs"
		chmod 755 "$CLIENT_RT"
	fi
	export CLIENT_RT
	build_busybox_rootfs_tar "$CLIENT_TMP/busybox-rootfs.tar"
}

# client_teardown_file: unmount what is left under $CLIENT_TMP, remove it.
client_teardown_file() {
	[ -n "${CLIENT_TMP:-}" ] && [ -d "$CLIENT_TMP" ] || return 0
	local m
	for m in $(_mounts_under "$CLIENT_TMP" | sort -r); do
		echo "teardown: leftover mount $m" >&2
		umount -l "$m" 2>/dev/null
	done
	for m in ${CLIENT_MADE_DIRS:-}; do
		[ -z "$(_mounts_under "$m")" ] && rm -rf --one-file-system "$m"
	done
	if [ -n "${CLIENT_TRACE:-}${CLIENT_KEEP:-}" ]; then
		echo "# kept $CLIENT_TMP" >&3
		return 0
	fi
	rm -rf --one-file-system "$CLIENT_TMP"
}

# --- images ----------------------------------------------------------------

# build_busybox_rootfs_tar OUT: a tar of the suite's busybox rootfs
# (helpers.bash's _base_rootfs: /bin/busybox and its applets, passwd, group).
build_busybox_rootfs_tar() {
	local base
	base="$(_base_rootfs)" || return 1
	tar --numeric-owner --exclude=./.complete -C "$base" -cf "$1" .
}

# _sha OUT_VAR FILE: the sha256 hex digest of FILE.
_sha() {
	local _sum
	_sum="$(sha256sum "$2")" || return 1
	printf -v "$1" '%s' "${_sum%% *}"
}

# _blob DIR FILE: move FILE into DIR/blobs/sha256/<digest>; print the digest.
_blob() {
	local dir="$1" file="$2" d
	_sha d "$file" || return 1
	mkdir -p "$dir/blobs/sha256"
	mv "$file" "$dir/blobs/sha256/$d"
	echo "$d"
}

# build_oci_image_tar ROOTFS_TAR NAME OUT: an OCI image layout tarball (one
# uncompressed layer), named NAME through the io.containerd.image.name and
# org.opencontainers.image.ref.name annotations.
build_oci_image_tar() {
	local layer="$1" name="$2" out="$3" dir
	local ldig lsize cdig csize mdig msize
	dir="$(mktemp -d "$CLIENT_TMP/oci.XXXXXX")" || return 1
	mkdir -p "$dir/blobs/sha256"
	cp "$layer" "$dir/layer.tar"
	lsize="$(stat -c %s "$dir/layer.tar")"
	ldig="$(_blob "$dir" "$dir/layer.tar")" || return 1

	jq -n --arg diff "sha256:$ldig" '{
		architecture: "amd64", os: "linux",
		created: "2024-01-01T00:00:00Z",
		config: {
			Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
			Cmd: ["sh"], WorkingDir: "/"
		},
		rootfs: {type: "layers", diff_ids: [$diff]},
		history: [{created: "2024-01-01T00:00:00Z", created_by: "ocirun tests: busybox-static"}]
	}' >"$dir/config.json" || return 1
	csize="$(stat -c %s "$dir/config.json")"
	cdig="$(_blob "$dir" "$dir/config.json")" || return 1

	jq -n --arg c "sha256:$cdig" --argjson cs "$csize" --arg l "sha256:$ldig" --argjson ls "$lsize" '{
		schemaVersion: 2,
		mediaType: "application/vnd.oci.image.manifest.v1+json",
		config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $c, size: $cs},
		layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar", digest: $l, size: $ls}]
	}' >"$dir/manifest.json" || return 1
	msize="$(stat -c %s "$dir/manifest.json")"
	mdig="$(_blob "$dir" "$dir/manifest.json")" || return 1

	jq -n --arg m "sha256:$mdig" --argjson ms "$msize" --arg name "$name" '{
		schemaVersion: 2,
		manifests: [{
			mediaType: "application/vnd.oci.image.manifest.v1+json",
			digest: $m, size: $ms,
			platform: {architecture: "amd64", os: "linux"},
			annotations: {
				"io.containerd.image.name": $name,
				"org.opencontainers.image.ref.name": ($name | sub(".*:"; ""))
			}
		}]
	}' >"$dir/index.json" || return 1
	echo '{"imageLayoutVersion":"1.0.0"}' >"$dir/oci-layout"
	tar -C "$dir" -cf "$out" oci-layout index.json blobs || return 1
	rm -rf "$dir"
}

# --- daemons ---------------------------------------------------------------

# start_daemon NAME LOG CMD...: start CMD in the background with its output
# in LOG; its PID is written to $CLIENT_TMP/NAME.pid (stop_daemon reads it).
start_daemon() {
	local name="$1" log="$2"
	shift 2
	# setsid: the daemon and the shims it starts are not in the test's
	# process group; they are stopped by PID in teardown_file.
	setsid "$@" </dev/null >"$log" 2>&1 &
	echo $! >"$CLIENT_TMP/$name.pid"
}

# wait_for_daemon NAME SOCKET LOG: poll until the daemon started by
# start_daemon NAME serves SOCKET. A daemon that exits first cannot run in
# this environment: return 2 after client_skip_file with the last error of
# its LOG (the end of the log goes to the TAP stream as comments).
wait_for_daemon() {
	local name="$1" sock="$2" log="$3" pid i why
	pid="$(cat "$CLIENT_TMP/$name.pid")"
	for ((i = 0; i < POLL_TRIES; i++)); do
		[ -S "$sock" ] && return 0
		if ! kill -0 "$pid" 2>/dev/null || [ "$(awk '/^State:/ {print $2}' "/proc/$pid/status" 2>/dev/null)" = Z ]; then
			tail -n 20 "$log" | sed 's/^/# /' >&3
			why="$(grep -iE 'level=(fatal|error)|error|failed' "$log" | tail -n 1 | cut -c1-300)"
			client_skip_file "$name cannot start here: ${why:-it exited (see its log above)}"
			return 2
		fi
		sleep "$POLL_INTERVAL"
	done
	echo "$sock did not appear; the end of $name's log:" >&2
	tail -n 30 "$log" >&2
	return 1
}

# stop_daemon NAME: SIGTERM the PID in $CLIENT_TMP/NAME.pid, wait for it
# (SIGKILL after about 30 s).
stop_daemon() {
	local f="$CLIENT_TMP/$1.pid" pid
	[ -f "$f" ] || return 0
	pid="$(cat "$f")"
	rm -f "$f"
	kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid"
	if ! wait_for_exit "$pid" 2>/dev/null; then
		echo "$1 ($pid) ignored SIGTERM; killing it" >&2
		kill -KILL "$pid" 2>/dev/null
		wait_for_exit "$pid"
	fi
	wait "$pid" 2>/dev/null
	return 0
}

# runtime_delete_all ROOT: `delete --force` every container the runtime
# still has in ROOT (a last resort in teardown_file, when the client could
# not remove them).
runtime_delete_all() {
	local d
	for d in "$1"/*; do
		[ -d "$d" ] || continue
		echo "teardown: $(basename "$d") left in $1" >&2
		"$RUNTIME" --root "$1" delete --force "$(basename "$d")" >/dev/null 2>&1
	done
	return 0
}

# remove_cgroup_tree NAME: remove the cgroup directories /NAME (a parent the
# file's containers were put under, named for the run) in every hierarchy,
# with anything left below it, deepest first; retried while a dying
# process still holds one.
remove_cgroup_tree() {
	local i left d
	for ((i = 0; i < POLL_TRIES; i++)); do
		left="$(find /sys/fs/cgroup -maxdepth 2 -type d -name "$1")"
		[ -z "$left" ] && return 0
		for d in $left; do
			find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
		done
		left="$(find /sys/fs/cgroup -maxdepth 2 -type d -name "$1")"
		[ -z "$left" ] && return 0
		sleep "$POLL_INTERVAL"
	done
	echo "teardown: cgroups left: $left" >&2
	return 0
}

# kill_procs_under DIR: SIGKILL processes whose executable or cwd lies under
# DIR, or whose command line names DIR (shims and conmons of our daemons).
kill_procs_under() {
	local dir="$1" p exe cmd
	for p in /proc/[0-9]*; do
		p="${p#/proc/}"
		[ "$p" = $$ ] && continue
		cmd="$(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)" || continue
		exe="$(readlink "/proc/$p/cwd" 2>/dev/null)"
		if [[ "$cmd" == *"$dir"* || "$exe" == "$dir"* ]]; then
			echo "teardown: killing leftover $p: $cmd" >&2
			kill -KILL "$p" 2>/dev/null
		fi
	done
}

# --- checks ----------------------------------------------------------------

# assert_no_runtime_leftovers RUNTIME_ROOT ID: no state dir in the runtime's
# root, no cgroup named for ID, no process with ID on its command line.
assert_no_runtime_leftovers() {
	local root="$1" id="$2" bad=0 x
	if [ -e "$root/$id" ]; then
		echo "leftover state dir: $root/$id" >&2
		bad=1
	fi
	x="$(_cgroups_of "$id")"
	if [ -n "$x" ]; then
		echo "leftover cgroups: $x" >&2
		bad=1
	fi
	x="$(awk -v id="$id" 'index($5, id) {print $5}' /proc/self/mountinfo)"
	if [ -n "$x" ]; then
		echo "leftover mounts: $x" >&2
		bad=1
	fi
	return "$bad"
}

# run_in_pty CMD...: run CMD with a pseudo-terminal as its stdio (util-linux
# script); $status, $output, $lines as with `run`, carriage returns removed.
# script's stdin is a FIFO opened read-write that nobody writes: it never
# reads EOF, which it would forward to the terminal (and ctr, docker and
# podman would pass on to the container, racing its output).
run_in_pty() {
	local q fifo="$TEST_TMP/pty-stdin"
	[ -p "$fifo" ] || mkfifo "$fifo"
	printf -v q '%q ' "$@"
	status=0
	output="$(script -qec "$q" /dev/null 0<>"$fifo" 2>&1)" || status=$?
	output="${output//$'\r'/}"
	mapfile -t lines <<<"$output"
	[ -n "$output" ] || lines=()
}

# client_capture CMD...: $status, $output, $lines of CMD (stdin /dev/null,
# output through a file, so a stray process cannot hold the test's pipe).
# On a failure it prints the output and calls client_on_failure when the
# client file defines it (its daemon's log).
client_capture() {
	status=0
	"$@" </dev/null >"$TEST_TMP/client.out" 2>&1 || status=$?
	output="$(cat "$TEST_TMP/client.out")"
	mapfile -t lines <<<"$output"
	[ -n "$output" ] || lines=()
	if [ "$status" -ne 0 ]; then
		echo "exit status $status; output: $output" >&2
		! declare -F client_on_failure >/dev/null || client_on_failure
	fi
}

# client_split_args [OPTION...] -- COMMAND...: the options before "--" in
# CLIENT_OPTS, the command after it in CLIENT_CMD.
client_split_args() {
	CLIENT_OPTS=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		CLIENT_OPTS+=("$1")
		shift
	done
	[ $# -eq 0 ] || shift
	CLIENT_CMD=("$@")
}
