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

CR_GLOBAL=() # global options of the scenario (--systemd-cgroup)
cr_rt() { # ARGS...: the runtime with its own state root
	"${CR_BIN[$CR_RT]}" --root "$CR_DIR/state-$CR_RT" "${CR_GLOBAL[@]}" "$@"
}
cr_cfg() { # BUNDLE JQ [jq args]: edit the bundle's config.json
	local b="$1" f="$2"
	shift 2
	jq "$@" "$f" "$b/config.json" >"$b/c" && mv "$b/c" "$b/config.json"
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


# A --console-socket receiver that takes every pty master it is sent (one at run, one at restore)
# and appends what each one reads to OUT.
CR_RECV="$CR_DIR/recvtty.py"
cr_recvtty() { # SOCKET OUT: started in the background, its pid in CR_RECV_PID
	rm -f "$1" "$2"
	python3 "$CR_RECV" "$1" "$2" &
	CR_RECV_PID=$!
	local i
	for i in $(seq 1 30); do [ -S "$1" ] && return 0; sleep 0.5; done
	return 1
}
# The counter's numbers seen on a tty (CRLF) are lines of their own once \r is gone.
cr_tty_has() { tr -d '\r' <"$1" 2>/dev/null | grep -qx "$2"; }

# 3 (terminal): a counter with process.terminal, its pty master at a console socket; checkpoint;
# restore with --console-socket: CRIU makes a new pty pair, the master reaches the socket and the
# counter's output continues on it.
cr_tty() {
	local t="$CR_RT" b="$CR_DIR/$CR_RT-c4" img="$CR_DIR/$CR_RT-img4" sock="$CR_DIR/$CR_RT-tty.sock"
	local out="$CR_DIR/$CR_RT-tty.out" n1 n2
	cr_bundle "$b" && cr_cfg "$b" '.process.terminal=true' || {
		fail "$t: tty bundle"
		return
	}
	cr_recvtty "$sock" "$out" || {
		fail "$t: console socket receiver" "no $sock"
		return
	}
	if ! cr_rt run -d --console-socket "$sock" -b "$b" c4 </dev/null >"$CR_OUT" 2>&1 || ! cr_wait_count c4 3; then
		fail "$t: tty counter runs" "$(cat "$CR_OUT")"
		cr_rt delete -f c4 >/dev/null 2>&1
		kill "$CR_RECV_PID"
		return
	fi
	if cr_rt checkpoint --image-path "$img" c4 >"$CR_OUT" 2>&1; then
		ok "$t: checkpoint of a container with a terminal"
	else
		fail "$t: checkpoint of a container with a terminal" "$(cat "$CR_OUT")" "$(grep -m3 Error "$img/dump.log" 2>/dev/null)"
		cr_rt delete -f c4 >/dev/null 2>&1
		kill "$CR_RECV_PID"
		return
	fi
	n1="$(cr_count c4)"
	cr_tty_has "$out" "$n1" && ok "$t: the tty's output reached the console socket before" ||
		fail "$t: the tty's output reached the console socket before" "$(tr -d '\r' <"$out" | tail -n3 | tr '\n' ' ')"
	if cr_rt restore -d --console-socket "$sock" -b "$b" --image-path "$img" c4 </dev/null >"$CR_OUT" 2>&1; then
		ok "$t: restore -d --console-socket"
	else
		fail "$t: restore -d --console-socket" "$(cat "$CR_OUT")" "$(grep -m3 Error "$img/restore.log" 2>/dev/null)"
		kill "$CR_RECV_PID"
		return
	fi
	n2="$(cr_next_count c4 "$n1")"
	if [ "$n2" -gt "$n1" ] && [ "$n2" -le $((n1 + 3)) ]; then
		ok "$t: the tty counter continues after restore ($n1 -> $n2)"
	else
		fail "$t: the tty counter continues after restore" "before $n1, first after $n2"
	fi
	sleep 2
	if cr_tty_has "$out" "$((n1 + 1))" || cr_tty_has "$out" "$((n1 + 2))"; then
		ok "$t: the restored tty's output reaches the console socket"
	else
		fail "$t: the restored tty's output reaches the console socket" "$(tr -d '\r' <"$out" | tail -n3 | tr '\n' ' ')"
	fi
	cr_rt delete -f c4 >/dev/null 2>&1
	kill "$CR_RECV_PID" 2>/dev/null
}

cr_unit_gone() { # UNIT: not loaded within 20 s
	local i
	for i in $(seq 1 20); do
		[ -z "$(systemctl list-units --all --no-legend "$1" 2>/dev/null)" ] && return 0
		sleep 1
	done
	return 1
}

# 4: memory and pids limits with the systemd driver: checkpoint stops the scope; the restored
# container is back in a scope of the same name with its limits (systemctl show and memory.max).
cr_systemd() {
	local t="$CR_RT" b="$CR_DIR/$CR_RT-c5" img="$CR_DIR/$CR_RT-img5" unit="crtest-$CR_RT-c5.scope"
	local cg="/sys/fs/cgroup/system.slice/crtest-$CR_RT-c5.scope" n1 n2 pid
	CR_GLOBAL=(--systemd-cgroup)
	cr_bundle "$b" && cr_cfg "$b" '.linux.cgroupsPath=$p | .linux.resources.memory.limit=67108864 |
		.linux.resources.pids.limit=50' --arg p "system.slice:crtest:$t-c5" || {
		fail "$t: systemd bundle"
		CR_GLOBAL=()
		return
	}
	if ! cr_start c5 || ! cr_wait_count c5 3; then
		fail "$t: counter in a systemd scope runs" "$(cat "$CR_DIR/$t-c5.out" 2>/dev/null)"
		cr_rt delete -f c5 >/dev/null 2>&1
		CR_GLOBAL=()
		return
	fi
	check "$t: $unit active before the checkpoint" systemctl is-active "$unit"
	if cr_rt checkpoint --image-path "$img" c5 >"$CR_OUT" 2>&1; then
		ok "$t: checkpoint with the systemd driver"
	else
		fail "$t: checkpoint with the systemd driver" "$(cat "$CR_OUT")" "$(grep -m3 Error "$img/dump.log" 2>/dev/null)"
		cr_rt delete -f c5 >/dev/null 2>&1
		CR_GLOBAL=()
		return
	fi
	check "$t: the scope is gone after checkpoint" cr_unit_gone "$unit"
	n1="$(cr_count c5)"
	exec 9> >(exec cat >/dev/null)
	if cr_rt restore -d -b "$b" --image-path "$img" c5 <&7 >&9 2>"$CR_OUT"; then
		ok "$t: restore -d with the systemd driver"
		# at once: the checks below take seconds under TCG
		n2="$(cr_next_count c5 "$n1")"
	else
		fail "$t: restore -d with the systemd driver" "$(cat "$CR_OUT")" "$(grep -m3 Error "$img/restore.log" 2>/dev/null)"
		CR_GLOBAL=()
		return
	fi
	if [ "$n2" -gt "$n1" ] && [ "$n2" -le $((n1 + 3)) ]; then
		ok "$t: the counter in the scope continues ($n1 -> $n2)"
	else
		fail "$t: the counter in the scope continues" "before $n1, first after $n2"
	fi
	pid="$(cr_rt state c5 | jq -r .pid)"
	check "$t: restored: $unit active" systemctl is-active "$unit"
	check "$t: restored init ($pid) in the scope" grep -q "/system.slice/$unit\$" "/proc/$pid/cgroup"
	check "$t: restored scope: MemoryMax 67108864, TasksMax 50 (systemctl show)" \
		test "$(systemctl show -P MemoryMax "$unit") $(systemctl show -P TasksMax "$unit")" = "67108864 50"
	check "$t: restored scope: memory.max 67108864, pids.max 50 (cgroup)" \
		test "$(cat "$cg/memory.max") $(cat "$cg/pids.max")" = "67108864 50"
	cr_rt delete -f c5 >/dev/null 2>&1
	check "$t: delete leaves no unit" cr_unit_gone "$unit"
	CR_GLOBAL=()
}

# 5: podman (rootful, its default systemd driver) with the runtime by path: checkpoint, restore,
# then checkpoint --export and restore --import under a new name. The counter's numbers are read
# from podman logs: "continues" means the last number grew past the one at the checkpoint and
# "1" was written once (no restart from zero).
CR_IMG=localhost/busybox:latest
CR_COUNTER='i=0; while true; do i=$((i+1)); echo $i; sleep 1; done'
crp() { timeout 180 podman "$@"; }
crp_last() { crp logs "$1" 2>/dev/null | tail -n1; }
crp_wait_past() { # NAME N: the last number of NAME's log goes past N (60 s)
	local i v
	for i in $(seq 1 60); do
		v="$(crp_last "$1")"
		[ -n "$v" ] && [ "$v" -gt "$2" ] 2>/dev/null && return 0
		sleep 1
	done
	return 1
}
cr_podman_load() {
	crp image exists "$CR_IMG" && return 0
	local out ref
	out="$(crp load -i "$VM13_IMAGE")" || return 1
	ref="$(echo "$out" | sed -n 's/^Loaded image[^:]*: //p' | head -n1)"
	crp image exists "$CR_IMG" || crp tag "$ref" "$CR_IMG"
}
cr_podman_log() { # NAME: CRIU's lines about mounts and fds 0-2 in the dump log (--keep)
	local d
	d="$(crp inspect -f '{{.StaticDir}}' "$1" 2>/dev/null)"
	diag "$CR_RT: podman dump.log ($d): $(grep -E 'fd=[012] |/dev/null|mnt_id|Found .* mapping|ext' "$d/dump.log" 2>/dev/null | head -n 25)"
}
cr_podman() {
	local t="$CR_RT" n="crpod-$CR_RT" n2="crpod2-$CR_RT" exp="$CR_DIR/$CR_RT-podman.tar.gz" n1
	crp rm -f "$n" "$n2" >/dev/null 2>&1
	if ! cr_podman_load >"$CR_OUT" 2>&1 ||
		! crp run -d --network none --runtime "${CR_BIN[$t]}" --name "$n" "$CR_IMG" sh -c "$CR_COUNTER" >"$CR_OUT" 2>&1 ||
		! crp_wait_past "$n" 2; then
		fail "$t: podman: counter runs" "$(cat "$CR_OUT")"
		crp rm -f "$n" >/dev/null 2>&1
		return
	fi
	# --keep: CRIU's dump.log stays in the container's static dir, for the diagnostics below.
	# conmon's /dev/null as stdin once failed here ("Can't lookup mount=N for fd=0"): the
	# init now reopens it on the container's /dev, as runc's does (docs/checkpoint.md)
	if crp container checkpoint --keep "$n" >"$CR_OUT" 2>&1; then
		ok "$t: podman container checkpoint"
	else
		fail "$t: podman container checkpoint" "$(tail -n3 "$CR_OUT")"
		cr_podman_log "$n"
		crp rm -f "$n" >/dev/null 2>&1
		return
	fi
	check "$t: podman: exited after checkpoint" test "$(crp inspect -f '{{.State.Status}}' "$n")" = exited
	n1="$(crp_last "$n")"
	if crp container restore "$n" >"$CR_OUT" 2>&1; then
		ok "$t: podman container restore"
	else
		fail "$t: podman container restore" "$(tail -n3 "$CR_OUT")"
		crp rm -f "$n" >/dev/null 2>&1
		return
	fi
	if crp_wait_past "$n" "$n1" && [ "$(crp logs "$n" 2>/dev/null | grep -cx 1)" = 1 ]; then
		ok "$t: podman: the restored counter continues (past $n1, no restart)"
	else
		fail "$t: podman: the restored counter continues" "at checkpoint $n1, now $(crp_last "$n")"
	fi
	if crp container checkpoint --export "$exp" "$n" >"$CR_OUT" 2>&1; then
		ok "$t: podman container checkpoint --export"
	else
		fail "$t: podman container checkpoint --export" "$(tail -n3 "$CR_OUT")"
		crp rm -f "$n" >/dev/null 2>&1
		return
	fi
	n1="$(crp_last "$n")"
	if crp container restore --import "$exp" --name "$n2" >"$CR_OUT" 2>&1; then
		ok "$t: podman container restore --import --name"
	else
		fail "$t: podman container restore --import --name" "$(tail -n3 "$CR_OUT")"
		crp rm -f "$n" "$n2" >/dev/null 2>&1
		return
	fi
	check "$t: podman: the imported container is running" test "$(crp inspect -f '{{.State.Status}}' "$n2")" = running
	if crp_wait_past "$n2" "$n1" && ! crp logs "$n2" 2>/dev/null | grep -qx 1; then
		ok "$t: podman: the imported counter continues (past $n1, no restart)"
	else
		fail "$t: podman: the imported counter continues" "exported at $n1, now $(crp_last "$n2")"
	fi
	crp rm -f "$n" "$n2" >/dev/null 2>&1
}

# 5: containerd 1.7's ctr: `ctr c checkpoint --task` (the shim calls the runtime's checkpoint
# into a checkpoint image in containerd's store), the container removed, `ctr c restore --live`
# (the shim calls the runtime's restore). The counter writes to a bind-mounted host dir.
crc() { timeout 180 ctr -n crtest "$@"; }
cr_ctr() {
	local t="$CR_RT" n="crctr-$CR_RT" ref="localhost/crtest-$CR_RT:ckpt" d="$CR_DIR/$CR_RT-ctr" n1 n2 nb na i
	mkdir -p "$d" && rm -f "$d/count" "$d/wrap.log"
	systemctl start containerd.service
	crc images check "name==$CR_IMG" 2>/dev/null | grep -q complete || crc images import "$VM13_IMAGE" >/dev/null
	# The shim says only "unknown" when restore fails: a wrapper keeps restore's arguments and
	# stderr (and only restore's: any other stderr of the runtime becomes the container's fd 2,
	# a file on the host that CRIU cannot dump with ocirun, see docs/checkpoint.md).
	printf '#!/bin/sh\ncase "$*" in *" restore "*) echo "args: $*" >>%s/wrap.log; exec %s "$@" 2>>%s/wrap.log ;; esac\nexec %s "$@"\n' \
		"$d" "${CR_BIN[$t]}" "$d" "${CR_BIN[$t]}" >"$d/rt"
	chmod 755 "$d/rt"
	if ! crc run -d --runtime io.containerd.runc.v2 --runc-binary "$d/rt" \
		--mount "type=bind,src=$d,dst=/out,options=rbind:rw" "$CR_IMG" "$n" \
		sh -c 'i=0; while true; do i=$((i+1)); echo $i >/out/count; sleep 1; done' >"$CR_OUT" 2>&1; then
		fail "$t: ctr: counter runs" "$(tail -n3 "$CR_OUT")"
		return
	fi
	for i in $(seq 1 60); do [ "$(cat "$d/count" 2>/dev/null || echo 0)" -ge 3 ] && break; sleep 1; done
	# ctr leaves the task running after its checkpoint (seen: it counts on until the kill): the
	# checkpoint holds a number between the ones read just before and just after it
	nb="$(cat "$d/count")"
	if crc c checkpoint --task "$n" "$ref" >"$CR_OUT" 2>&1; then
		ok "$t: ctr c checkpoint --task"
	else
		fail "$t: ctr c checkpoint --task" "$(tail -n3 "$CR_OUT")"
	fi
	na="$(cat "$d/count")"
	crc t kill -s KILL "$n" >/dev/null 2>&1
	sleep 1
	crc t delete -f "$n" >/dev/null 2>&1
	crc c rm "$n" >/dev/null 2>&1
	n1="$(cat "$d/count")"
	if crc c restore --live "$n" "$ref" >"$CR_OUT" 2>&1; then
		ok "$t: ctr c restore --live"
	else
		fail "$t: ctr c restore --live" "$(tail -n3 "$CR_OUT")" "$(tail -c 1500 "$d/wrap.log" 2>/dev/null)"
	fi
	check "$t: ctr: the restored task is running" sh -c "ctr -n crtest t ls | grep -q '^$n .*RUNNING'"
	n2="$n1"
	for i in $(seq 1 60); do
		n2="$(cat "$d/count")"
		[ "$n2" != "$n1" ] && break
		sleep 1
	done
	if [ "$n2" -gt "$nb" ] && [ "$n2" -le $((na + 3)) ]; then
		ok "$t: ctr: the restored counter continues ($nb..$na at the checkpoint -> $n2)"
	else
		fail "$t: ctr: the restored counter continues" "$nb..$na at the checkpoint, $n1 at the kill, first after restore $n2"
	fi
	crc t delete -f "$n" >/dev/null 2>&1
	crc c rm "$n" >/dev/null 2>&1
	crc images rm "$ref" >/dev/null 2>&1
}

mkdir -p "$CR_DIR"
cat >"$CR_RECV" <<'PY'
import os, socket, sys, threading
path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
s.listen(4)
def pump(fd):
    with open(out, "ab", buffering=0) as f:
        while True:
            try:
                b = os.read(fd, 4096)
            except OSError:
                break
            if not b:
                break
            f.write(b)
    os.close(fd)
while True:
    c, _ = s.accept()
    _, fds, _, _ = socket.recv_fds(c, 16, 4)
    for fd in fds:
        threading.Thread(target=pump, args=(fd,), daemon=True).start()
    c.close()
PY
diag "criu: $(criu --version 2>&1 | head -n1); criu check: $(criu check 2>&1 | tail -n1)"
check "ocirun features: checkpoint annotation true" \
	sh -c 'test "$(ocirun features | jq -r ".annotations[\"org.ocirun.checkpoint.enabled\"]")" = true'
for CR_RT in runc ocirun; do
	diag "--- checkpoint with $CR_RT"
	for cr_s in counter predump bad_input tty systemd podman ctr; do
		[ -z "${VM13_ONLY:-}" ] || [[ "checkpoint/$CR_RT/$cr_s" =~ $VM13_ONLY ]] || continue
		t0=$SECONDS
		cr_"$cr_s"
		diag "checkpoint/$CR_RT/$cr_s: $((SECONDS - t0)) s"
	done
	exec 7<&- 8>&- 9>&-
done
