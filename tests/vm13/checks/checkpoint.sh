# tests/vm13/checks/checkpoint.sh: issue 16, checkpoint and restore with CRIU, each scenario with
# the guest's runc as the control and with ocirun. Sourced by guest/main (TAP helpers of tap.sh).
#
# The container is a busybox counter: every second it writes the next number to /count in its
# rootfs and to its stdout, a pipe (as containerd's shim gives it). "Continues" means the first
# number written after the restore is the one after the last number before the checkpoint.

CR_DIR=/tmp/cr
declare -A CR_BIN=([runc]=/usr/sbin/runc [ocirun]=/usr/local/bin/ocirun)
CR_OUT="$(mktemp)"

cr_bundle() { # DIR [shell script for the container]
	local d="$1" script="${2:-i=0; while true; do i=\$((i+1)); echo \$i > /count; echo \$i; sleep 1; done}"
	rm -rf "$d" && mkdir -p "$d/rootfs/bin" "$d/rootfs/tmp" || return 1
	cp /bin/busybox "$d/rootfs/bin/busybox" || return 1
	for a in sh sleep echo cat head tr true; do ln -s busybox "$d/rootfs/bin/$a"; done
	(cd "$d" && /usr/local/bin/ocirun spec) || return 1
	jq --arg s "$script" '.process.args=["sh","-c",$s] | .process.terminal=false | .root.readonly=false' \
		"$d/config.json" >"$d/c" && mv "$d/c" "$d/config.json"
}

cr_rt() { # RUNTIME ARGS...: the runtime with its own state root
	"${CR_BIN[$CR_RT]}" --root "$CR_DIR/state-$CR_RT" "$@"
}

cr_status() { cr_rt state "$1" 2>/dev/null | jq -r .status; }
cr_count() { cat "$CR_DIR/$CR_RT-$1/rootfs/count" 2>/dev/null || echo 0; }

# Wait until the counter of bundle NAME is at least N (up to 60 s: TCG is slow).
cr_wait_count() {
	local i
	for i in $(seq 1 60); do
		[ "$(cr_count "$1")" -ge "$2" ] && return 0
		sleep 1
	done
	return 1
}

# Wait until the counter changes from OLD; print the new value.
cr_next_count() {
	local i v
	for i in $(seq 1 60); do
		v="$(cr_count "$1")"
		[ "$v" != "$2" ] && echo "$v" && return 0
		sleep 1
	done
	echo "$2"
	return 1
}

# Start NAME detached, stdin and stdout/stderr pipes (fds 7 and 8 of this shell).
cr_start() {
	local name="$1"
	exec 7< <(exec sleep 100000)
	exec 8> >(exec cat >"$CR_DIR/$CR_RT-$name.out")
	cr_rt run -d -b "$CR_DIR/$CR_RT-$name" "$name" <&7 >&8 2>&8
}

cr_pages_kb() { # size of the memory pages of an image dir
	du -ck "$1"/pages-*.img 2>/dev/null | tail -n1 | cut -f1
}

# 1 + 3 (pipes): checkpoint, gone, restore, continues; the new stdout pipe gets the numbers; then
# --leave-running.
cr_counter() {
	local t="$CR_RT" img="$CR_DIR/$CR_RT-img1" n1 n2 size
	cr_bundle "$CR_DIR/$t-c1" || {
		fail "$t: bundle"
		return
	}
	if ! cr_start c1 || ! cr_wait_count c1 3; then
		fail "$t: counter container runs" "$(cat "$CR_DIR/$t-c1.out" 2>/dev/null)"
		return
	fi
	if cr_rt checkpoint --image-path "$img" c1 >"$CR_OUT" 2>&1; then
		ok "$t: checkpoint of a running container"
	else
		fail "$t: checkpoint of a running container" "$(cat "$CR_OUT")" "$(grep -m3 Error "$img/dump.log" 2>/dev/null)"
		cr_rt delete -f c1 >/dev/null 2>&1
		return
	fi
	check "$t: the container is gone after checkpoint" sh -c "! ${CR_BIN[$t]} --root $CR_DIR/state-$t state c1"
	n1="$(cr_count c1)"
	size="$(du -sk "$img" | cut -f1)"
	diag "$t: checkpoint at count $n1, image $size KiB ($(ls "$img" | wc -l) files)"
	table_row "$t" "counter image KiB" "$size"
	sleep 2
	[ "$(cr_count c1)" = "$n1" ] && ok "$t: the counter stopped with the checkpoint" || fail "$t: the counter stopped with the checkpoint" "was $n1, now $(cr_count c1)"
	exec 9> >(exec cat >"$CR_DIR/$t-c1.out2")
	if cr_rt restore -d -b "$CR_DIR/$t-c1" --image-path "$img" c1 <&7 >&9 2>&9 2>"$CR_OUT"; then
		ok "$t: restore -d"
	else
		fail "$t: restore -d" "$(cat "$CR_OUT")" "$(grep -m3 Error "$img/restore.log" 2>/dev/null)"
		return
	fi
	check "$t: restored container is running" test "$(cr_status c1)" = running
	n2="$(cr_next_count c1 "$n1")"
	if [ "$n2" -gt "$n1" ] && [ "$n2" -le $((n1 + 3)) ]; then
		ok "$t: the counter continues after restore ($n1 -> $n2)"
	else
		fail "$t: the counter continues after restore" "before $n1, first after $n2"
	fi
	sleep 2
	if grep -qx "$((n1 + 1))" "$CR_DIR/$t-c1.out2" 2>/dev/null || grep -qx "$((n1 + 2))" "$CR_DIR/$t-c1.out2" 2>/dev/null; then
		ok "$t: stdout pipe handed over on restore"
	else
		fail "$t: stdout pipe handed over on restore" "new pipe got: $(head -c 200 "$CR_DIR/$t-c1.out2" | tr '\n' ' ')"
	fi
	if cr_rt checkpoint --leave-running --image-path "$CR_DIR/$t-img1b" c1 >"$CR_OUT" 2>&1; then
		n1="$(cr_count c1)"
		sleep 3
		if [ "$(cr_status c1)" = running ] && [ "$(cr_count c1)" -gt "$n1" ]; then
			ok "$t: --leave-running keeps it running"
		else
			fail "$t: --leave-running keeps it running" "status $(cr_status c1), count $n1 -> $(cr_count c1)"
		fi
	else
		fail "$t: checkpoint --leave-running" "$(cat "$CR_OUT")"
	fi
}

# 2: pre-dump, then dump with --parent-path: the final image has fewer pages; it restores.
cr_predump() {
	local t="$CR_RT" d="$CR_DIR/$CR_RT-img2" pre fin n1 n2
	# 8 MB that stay the same: the pre-dump takes them, the final dump only what changed
	cr_bundle "$CR_DIR/$t-c2" 'x=$(head -c 8000000 /dev/zero | tr "\0" a); i=0; while true; do i=$((i+1)); echo $i > /count; echo $i; sleep 1; done' || return
	if ! cr_start c2 || ! cr_wait_count c2 2; then
		fail "$t: pre-dump container runs"
		return
	fi
	if ! cr_rt checkpoint --pre-dump --image-path "$d/pre" c2 >"$CR_OUT" 2>&1; then
		fail "$t: checkpoint --pre-dump" "$(cat "$CR_OUT")" "$(grep -m3 Error "$d/pre/dump.log" 2>/dev/null)"
		cr_rt delete -f c2 >/dev/null 2>&1
		return
	fi
	check "$t: running after --pre-dump" test "$(cr_status c2)" = running
	if ! cr_rt checkpoint --image-path "$d/final" --parent-path ../pre c2 >"$CR_OUT" 2>&1; then
		fail "$t: checkpoint --parent-path ../pre" "$(cat "$CR_OUT")" "$(grep -m3 Error "$d/final/dump.log" 2>/dev/null)"
		cr_rt delete -f c2 >/dev/null 2>&1
		return
	fi
	n1="$(cr_count c2)"
	pre="$(cr_pages_kb "$d/pre")" fin="$(cr_pages_kb "$d/final")"
	diag "$t: pre-dump pages $pre KiB, final dump pages $fin KiB"
	table_row "$t" "pre-dump / final pages KiB" "$pre / $fin"
	if [ "${fin:-0}" -lt "${pre:-0}" ]; then
		ok "$t: final image smaller than the pre-dump ($fin < $pre KiB)"
	else
		fail "$t: final image smaller than the pre-dump" "pre $pre KiB, final $fin KiB"
	fi
	exec 9> >(exec cat >/dev/null)
	if cr_rt restore -d -b "$CR_DIR/$t-c2" --image-path "$d/final" c2 <&7 >&9 2>"$CR_OUT"; then
		n2="$(cr_next_count c2 "$n1")"
		if [ "$n2" -gt "$n1" ] && [ "$n2" -le $((n1 + 3)) ]; then
			ok "$t: restore of pre-dump + dump continues ($n1 -> $n2)"
		else
			fail "$t: restore of pre-dump + dump continues" "before $n1, after $n2"
		fi
	else
		fail "$t: restore of pre-dump + dump" "$(cat "$CR_OUT")" "$(grep -m3 Error "$d/final/restore.log" 2>/dev/null)"
	fi
	cr_rt delete -f c2 >/dev/null 2>&1
}

# No state dir and no cgroup left for ID.
cr_nothing_left() {
	! cr_rt state "$1" >/dev/null 2>&1 && [ ! -e "$CR_DIR/state-$CR_RT/$1" ] &&
		[ -z "$(find /sys/fs/cgroup -name "*$1*" 2>/dev/null | head -n1)" ] &&
		! grep -q "$1" /proc/self/mountinfo
}

# An error is one line on stderr (ocirun; runc logs with logrus and is only checked for exit code).
cr_bad() { # DESC ID CMD...
	local desc="$1" id="$2" rc lines
	shift 2
	"$@" >/dev/null 2>"$CR_OUT" </dev/null
	rc=$?
	lines="$(wc -l <"$CR_OUT")"
	if [ "$rc" -ne 0 ] && { [ "$CR_RT" != ocirun ] || [ "$lines" -eq 1 ]; }; then
		ok "$CR_RT: $desc: exit $rc ($(head -c 160 "$CR_OUT"))"
	else
		fail "$CR_RT: $desc" "exit $rc, $lines stderr lines" "$(cat "$CR_OUT")"
	fi
	[ -z "$id" ] || check "$CR_RT: $desc: nothing left" cr_nothing_left "$id"
}

# 6: bad input.
cr_bad_input() {
	local t="$CR_RT"
	cr_bad "restore from a missing image dir" badimg cr_rt restore -d -b "$CR_DIR/$t-c1" --image-path "$CR_DIR/none-$t" badimg
	if [ "$(cr_status c1)" = running ] && [ -d "$CR_DIR/$t-img1b" ]; then
		cr_bad "restore of an ID that exists" "" cr_rt restore -d -b "$CR_DIR/$t-c1" --image-path "$CR_DIR/$t-img1b" c1
		check "$t: the existing container is untouched" test "$(cr_status c1)" = running
	else
		skip "$t: restore of an ID that exists" "no running c1"
	fi
	cr_bundle "$CR_DIR/$t-c3" 'true' || return
	cr_rt run -d -b "$CR_DIR/$t-c3" c3 </dev/null >/dev/null 2>&1
	sleep 2
	cr_bad "checkpoint of a stopped container" "" cr_rt checkpoint --image-path "$CR_DIR/$t-img3" c3
	cr_rt delete -f c3 >/dev/null 2>&1
	cr_rt delete -f c1 >/dev/null 2>&1
	check "$t: stopped container's image dir holds no dump" sh -c "! ls $CR_DIR/$t-img3/*.img 2>/dev/null | grep -q ."
}

mkdir -p "$CR_DIR"
diag "criu: $(criu --version 2>&1 | head -n1); criu check: $(criu check 2>&1 | tail -n1)"
check "ocirun features: checkpoint annotation true" \
	sh -c 'test "$(ocirun features | jq -r ".annotations[\"org.ocirun.checkpoint.enabled\"]")" = true'
for CR_RT in runc ocirun; do
	[ -z "${VM13_ONLY:-}" ] || [[ "checkpoint/$CR_RT" =~ $VM13_ONLY ]] || continue
	diag "--- checkpoint with $CR_RT"
	cr_counter
	cr_predump
	cr_bad_input
	exec 7<&- 8>&- 9>&-
done
