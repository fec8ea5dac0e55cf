#!/usr/bin/env bats
# The container's filesystem: rootfs, default mounts, binds, tmpfs, masked
# and read-only paths, /dev, and symlinks that try to leave the rootfs.

load helpers

@test "mounts: the rootfs is / and the default mounts are in place" {
	echo "marker-$ID" >"$BUNDLE/rootfs/marker"
	run_ctr sh -c 'cat /marker; stat -c %i /; cat /proc/self/mountinfo'
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" "marker-$ID" "file in the rootfs"
	assert_eq "${lines[1]}" "$(stat -c %i "$BUNDLE/rootfs")" "inode of /"
	mi_field / fstype >/dev/null
	assert_eq "$(mi_field /proc fstype)" proc /proc
	assert_eq "$(mi_field /dev fstype)" tmpfs /dev
	assert_eq "$(mi_field /dev/pts fstype)" devpts /dev/pts
	assert_eq "$(mi_field /dev/shm fstype)" tmpfs /dev/shm
	assert_eq "$(mi_field /dev/mqueue fstype)" mqueue /dev/mqueue
	assert_eq "$(mi_field /sys fstype)" sysfs /sys
	has_opt "$(mi_field /sys opts)" ro
	has_opt "$(mi_field /dev/pts super)" newinstance ||
		has_opt "$(mi_field /dev/pts super)" ptmxmode
}

@test "mounts: nothing of the host's mount table is visible" {
	run_ctr cat /proc/self/mountinfo
	[ "$status" -eq 0 ]
	# Every mount point is inside the container's tree as configured;
	# none carries the bundle path (no host path leaks in).
	local mp
	for mp in $(awk '{print $5}' <<<"$output"); do
		[[ "$mp" != "$TEST_TMP"* ]] || {
			echo "host path visible as a mount point: $mp" >&2
			return 1
		}
	done
	# The host's mounts on /run, /boot, /home etc. are absent.
	local n
	n="$(awk '$5 ~ "^/(run|boot|home|var|usr)(/|$)"' <<<"$output" | wc -l)"
	assert_eq "$n" 0 "host mounts visible"
}

@test "mounts: root.readonly makes / read-only" {
	update_config '.root.readonly = true'
	run_ctr sh -c 'exec 2>&1; awk "\$5 == \"/\" {print \$6}" /proc/self/mountinfo; touch /x'
	[ "$status" -ne 0 ]
	has_opt "${lines[0]}" ro
	assert_contains "$output" "Read-only file system"
	[ ! -e "$BUNDLE/rootfs/x" ]
}

@test "mounts: root.readonly false leaves / writable" {
	update_config '.root.readonly = false'
	run_ctr sh -c 'touch /x && echo ok'
	[ "$status" -eq 0 ]
	assert_eq "$output" ok
	[ -e "$BUNDLE/rootfs/x" ]
}

@test "mounts: the default maskedPaths read as empty" {
	local paths
	paths="$(jq -r '.linux.maskedPaths[]?' "$BUNDLE/config.json" | xargs)"
	[ -n "$paths" ] || skip "the default spec has no maskedPaths"
	# For each path that exists: a file reads empty, a directory lists empty.
	set_args sh -c 'for p in "$@"; do
		if [ -d "$p" ]; then echo "$p dir $(ls -A "$p" | wc -l)"
		elif [ -e "$p" ]; then echo "$p file $(cat "$p" 2>/dev/null | wc -c)"
		fi; done' sh $paths
	run_ctr
	[ "$status" -eq 0 ]
	local p kind n
	while read -r p kind n; do
		assert_eq "$n" 0 "entries/bytes in masked $p ($kind)"
	done <<<"$output"
}

@test "mounts: maskedPaths hides a file and a directory" {
	mkdir -p "$BUNDLE/rootfs/secret-dir"
	echo s3cret >"$BUNDLE/rootfs/secret-dir/inner"
	echo s3cret >"$BUNDLE/rootfs/secret-file"
	update_config '.linux.maskedPaths = ["/proc/version", "/secret-dir", "/secret-file"]'
	run_ctr sh -c 'cat /proc/version | wc -c; ls -A /secret-dir | wc -l; cat /secret-file | wc -c'
	[ "$status" -eq 0 ]
	assert_eq "$(echo $output)" "0 0 0" "bytes of /proc/version, entries of /secret-dir, bytes of /secret-file"
	# Masking is a mount: the rootfs itself is intact.
	[ "$(cat "$BUNDLE/rootfs/secret-file")" = s3cret ]
}

@test "mounts: readonlyPaths: /proc/sys is read-only" {
	update_config '.linux.readonlyPaths = ["/proc/sys"]'
	run_ctr sh -c 'exec 2>&1; awk "\$5 == \"/proc/sys\" {print \$6}" /proc/self/mountinfo; echo 1 > /proc/sys/kernel/domainname'
	[ "$status" -ne 0 ]
	has_opt "${lines[0]}" ro
	assert_contains "$output" "Read-only file system"
}

@test "mounts: readonlyPaths on a directory of the rootfs" {
	mkdir -p "$BUNDLE/rootfs/rodir"
	update_config '.linux.readonlyPaths = ["/rodir"]'
	run_ctr sh -c 'touch /tmp/ok && touch /rodir/x'
	[ "$status" -ne 0 ]
	assert_contains "$output" "Read-only file system"
	[ ! -e "$BUNDLE/rootfs/rodir/x" ]
}

@test "mounts: a read-only bind mount of a host directory" {
	mkdir -p "$TEST_TMP/src"
	echo from-host >"$TEST_TMP/src/f"
	add_bind "$TEST_TMP/src" /mnt/ro rbind ro
	run_ctr sh -c 'exec 2>&1; cat /mnt/ro/f; touch /mnt/ro/new'
	[ "$status" -ne 0 ]
	assert_eq "${lines[0]}" from-host
	assert_contains "$output" "Read-only file system"
	[ ! -e "$TEST_TMP/src/new" ]
}

@test "mounts: a rw bind mount with nosuid,nodev,noexec" {
	mkdir -p "$TEST_TMP/src"
	printf '#!/bin/sh\necho ran\n' >"$TEST_TMP/src/script"
	chmod 755 "$TEST_TMP/src/script"
	add_bind "$TEST_TMP/src" /mnt/rw rbind rw nosuid nodev noexec
	run_ctr sh -c 'exec 2>&1; awk "\$5 == \"/mnt/rw\" {print \$6}" /proc/self/mountinfo; echo from-ctr > /mnt/rw/new; /mnt/rw/script; exit 0'
	[ "$status" -eq 0 ]
	local opts="${lines[0]}"
	has_opt "$opts" rw
	has_opt "$opts" nosuid
	has_opt "$opts" nodev
	has_opt "$opts" noexec
	assert_eq "$(cat "$TEST_TMP/src/new")" from-ctr "written through the bind"
	assert_not_contains "$output" ran
	assert_contains "$output" "Permission denied"
}

@test "mounts: a file bind mount whose destination does not exist yet" {
	echo "key=value" >"$TEST_TMP/app.conf"
	[ ! -e "$BUNDLE/rootfs/etc/app.d" ]
	add_bind "$TEST_TMP/app.conf" /etc/app.d/app.conf bind ro
	run_ctr sh -c 'cat /etc/app.d/app.conf; [ -f /etc/app.d/app.conf ] && echo is-file'
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" "key=value"
	assert_eq "${lines[1]}" is-file
}

@test "mounts: tmpfs with size and mode" {
	add_mount '{"destination": "/scratch", "type": "tmpfs", "source": "tmpfs",
		"options": ["nosuid", "nodev", "size=1m", "mode=0700"]}'
	run_ctr sh -c 'cat /proc/self/mountinfo; stat -c "mode=%a" /scratch; echo x > /scratch/f && echo write-ok'
	[ "$status" -eq 0 ]
	assert_eq "$(mi_field /scratch fstype)" tmpfs fstype
	local super
	super="$(mi_field /scratch super)"
	assert_contains ",$super," ",size=1024k,"
	assert_contains ",$super," ",mode=700"
	has_opt "$(mi_field /scratch opts)" nosuid
	assert_contains "$output" mode=700
	assert_contains "$output" write-ok
}

@test "mounts: rbind carries submounts, bind does not" {
	mkdir -p "$TEST_TMP/src/sub"
	mount -t tmpfs -o size=1m tmpfs "$TEST_TMP/src/sub"
	on_teardown umount -l "$TEST_TMP/src/sub"
	echo in-submount >"$TEST_TMP/src/sub/f"
	add_bind "$TEST_TMP/src" /mnt/r rbind
	add_bind "$TEST_TMP/src" /mnt/b bind
	run_ctr sh -c 'cat /mnt/r/sub/f; ls -A /mnt/b/sub | wc -l'
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" in-submount "through rbind"
	assert_eq "${lines[1]}" 0 "entries under the plain bind"
}

@test "mounts: rro makes the submounts of a bind read-only too, ro only the bind itself" {
	mkdir -p "$TEST_TMP/src/sub"
	mount -t tmpfs -o size=1m tmpfs "$TEST_TMP/src/sub"
	on_teardown umount -l "$TEST_TMP/src/sub"
	add_bind "$TEST_TMP/src" /mnt/rro rbind rro
	add_bind "$TEST_TMP/src" /mnt/ro rbind ro
	run_ctr sh -c 'for d in /mnt/rro/sub /mnt/ro/sub; do touch $d/f 2>/dev/null && echo $d rw || echo $d ro; done'
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" "/mnt/rro/sub ro" "submount under rro"
	assert_eq "${lines[1]}" "/mnt/ro/sub rw" "submount under ro"
}

@test "mounts: a destination that is an absolute symlink stays inside the rootfs (CVE-2021-30465)" {
	local escape="$TEST_TMP/host-escape"
	ln -s "$escape" "$BUNDLE/rootfs/mnt/evil"
	add_mount '{"destination": "/mnt/evil", "type": "tmpfs", "source": "tmpfs", "options": ["size=1m"]}'
	run_ctr sh -c 'echo hi > /mnt/evil/f && cat /mnt/evil/f'
	# Whether or not the runtime accepts this config, the host path is never created.
	if [ -e "$escape" ]; then
		echo "the mount escaped the rootfs: $escape exists on the host" >&2
		return 1
	fi
	if [ "$status" -eq 0 ]; then
		assert_eq "$output" hi
	fi
	[ -z "$(_mounts_under "$escape")" ]
}

@test "mounts: a destination that is a relative symlink climbing out stays inside the rootfs" {
	local escape="$TEST_TMP/host-escape2"
	ln -s "../../../../../../../../../..$escape" "$BUNDLE/rootfs/mnt/evil2"
	mkdir -p "$TEST_TMP/src"
	add_bind "$TEST_TMP/src" /mnt/evil2 rbind
	run_ctr true
	if [ -e "$escape" ]; then
		echo "the mount escaped the rootfs: $escape exists on the host" >&2
		return 1
	fi
	[ -z "$(_mounts_under "$escape")" ]
}

@test "mounts: a bind source that is a symlink in a host dir is followed on the host" {
	mkdir -p "$TEST_TMP/real"
	echo real >"$TEST_TMP/real/f"
	ln -s "$TEST_TMP/real" "$TEST_TMP/link"
	add_bind "$TEST_TMP/link" /mnt/l rbind ro
	run_ctr cat /mnt/l/f
	[ "$status" -eq 0 ]
	assert_eq "$output" real
}

@test "dev: standard device nodes with the right numbers and modes" {
	run_ctr sh -c 'for d in null zero full random urandom tty; do
		stat -c "%n %F %t:%T %a" /dev/$d; done'
	[ "$status" -eq 0 ]
	assert_eq "$output" "$(printf '%s\n' \
		'/dev/null character special file 1:3 666' \
		'/dev/zero character special file 1:5 666' \
		'/dev/full character special file 1:7 666' \
		'/dev/random character special file 1:8 666' \
		'/dev/urandom character special file 1:9 666' \
		'/dev/tty character special file 5:0 666')"
}

@test "dev: the device nodes work" {
	run_ctr sh -c 'exec 2>&1; echo x > /dev/null && echo null-ok; head -c 4 /dev/zero | wc -c;
		head -c 8 /dev/urandom | wc -c; echo x > /dev/full; exit 0'
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" null-ok
	assert_eq "${lines[1]}" 4
	assert_eq "${lines[2]}" 8
	assert_contains "$output" "No space left on device"
}

@test "dev: ptmx, fd and stdio symlinks" {
	run_ctr sh -c 'for l in ptmx fd stdin stdout stderr; do echo "$l -> $(readlink /dev/$l)"; done'
	[ "$status" -eq 0 ]
	assert_eq "$output" "$(printf '%s\n' \
		'ptmx -> pts/ptmx' \
		'fd -> /proc/self/fd' \
		'stdin -> /proc/self/fd/0' \
		'stdout -> /proc/self/fd/1' \
		'stderr -> /proc/self/fd/2')"
}

# CRIU cannot dump an fd on a mount the container does not see (podman's conmon gives its own
# /dev/null as stdin): stdio on the null device becomes the container's /dev/null, as with runc.
@test "dev: stdio on the caller's /dev/null is reopened on the container's /dev" {
	set_args sleep 100
	start_detached
	local pid m0
	pid="$(ctr_pid "$ID")"
	m0="$(sed -n 's/^mnt_id:[[:space:]]*//p' "/proc/$pid/fdinfo/0")"
	assert_eq "$(readlink "/proc/$pid/fd/0")" /dev/null stdin
	assert_eq "$(awk -v m="$m0" '$1 == m { print $5 }' "/proc/$pid/mountinfo")" /dev "stdin's mount"
	# stdout, a file of the caller, is left alone
	assert_eq "$(readlink "/proc/$pid/fd/1")" "$TEST_TMP/$ID.out" stdout
	rt delete -f "$ID"
}

@test "dev: host devices do not appear in /dev" {
	run_ctr ls /dev
	[ "$status" -eq 0 ]
	local d
	for d in vda sda kmsg mem port loop0; do
		[[ " $(echo $output) " != *" $d "* ]] || {
			echo "host device /dev/$d visible" >&2
			return 1
		}
	done
}

@test "dev: a linux.devices entry is created with its type, numbers, mode and owner" {
	update_config '.linux.devices = [{"path": "/dev/mydev", "type": "c", "major": 1, "minor": 3,
		"fileMode": 384, "uid": 1000, "gid": 1001}]'
	run_ctr stat -c '%F %t:%T %a %u:%g' /dev/mydev
	[ "$status" -eq 0 ]
	assert_eq "$output" "character special file 1:3 600 1000:1001"
}

@test "dev: a linux.devices block device and a fifo" {
	update_config '.linux.devices = [
		{"path": "/dev/myblk", "type": "b", "major": 7, "minor": 200, "fileMode": 432},
		{"path": "/dev/myfifo", "type": "p", "fileMode": 420}]'
	run_ctr sh -c 'stat -c "%F %t:%T %a" /dev/myblk; stat -c "%F %a" /dev/myfifo'
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" "block special file 7:c8 660"
	assert_eq "${lines[1]}" "fifo 644"
}

# --- bind flags as runc 1.2+ applies them (runc's mounts_sshfs.bats, run here on a tmpfs) ---

# flag_src OPTS: a host tmpfs at $TEST_TMP/fsrc whose bind is remounted with OPTS (ro, noexec...).
flag_src() {
	mkdir -p "$TEST_TMP/fsrc"
	mount -t tmpfs -o size=1m tmpfs "$TEST_TMP/fsrc"
	mount --bind -o "remount,$1" "$TEST_TMP/fsrc" "$TEST_TMP/fsrc"
}

# bind_opts OPTION...: the per-mount options /mnt gets from a bind of $TEST_TMP/fsrc with OPTION...
bind_opts() {
	add_bind "$TEST_TMP/fsrc" /mnt "$@"
	run_ctr awk '$5 == "/mnt" {print $6}' /proc/self/mountinfo
	echo "options: $output" >&2
	[ "$status" -eq 0 ]
}

@test "mounts: a bind with no flag options keeps the source's flags" {
	flag_src ro,noexec,nodiratime
	bind_opts bind
	has_opt "$output" ro
	has_opt "$output" noexec
	has_opt "$output" nodiratime
}

@test "mounts: a bind with flag options gets exactly those, the others cleared" {
	flag_src ro,noexec,nosymfollow
	bind_opts bind nosuid nodev
	has_opt "$output" rw
	has_opt "$output" nosuid
	has_opt "$output" nodev
	! has_opt "$output" noexec
	! has_opt "$output" nosymfollow
}

@test "mounts: a bind keeps the source's atime mode unless it sets one" {
	flag_src noatime
	bind_opts bind nosuid atime
	has_opt "$output" noatime
	rm -rf "$BUNDLE" && make_bundle
	bind_opts bind relatime
	! has_opt "$output" noatime
	has_opt "$output" relatime
}

@test "mounts: in a user namespace, locked flags only implied to go are kept" {
	flag_src ro,nosuid
	userns_config
	bind_opts bind nodev
	has_opt "$output" ro
	has_opt "$output" nosuid
	has_opt "$output" nodev
}

@test "mounts: in a user namespace, an explicit clear of a locked flag fails" {
	flag_src ro
	userns_config
	add_bind "$TEST_TMP/fsrc" /mnt bind rw
	run_ctr true
	[ "$status" -ne 0 ]
	assert_contains "$output" "/mnt"
	assert_no_leftovers
}

@test "mounts: a tmpfs without mode= takes the mode of the directory it covers" {
	mkdir -p "$BUNDLE/rootfs/t710"
	chmod 0710 "$BUNDLE/rootfs/t710"
	add_mount '{"destination": "/t710", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid"]}'
	add_mount '{"destination": "/texplicit", "type": "tmpfs", "source": "tmpfs", "options": ["mode=1500"]}'
	add_mount '{"destination": "/new/dir", "type": "tmpfs", "source": "tmpfs", "options": []}'
	mkdir -p "$BUNDLE/rootfs/texplicit"
	chmod 0710 "$BUNDLE/rootfs/texplicit"
	run_ctr stat -c %a /t710 /texplicit /new/dir
	[ "$status" -eq 0 ]
	assert_eq "${lines[*]}" "710 1500 1777" "modes"
	assert_eq "$(stat -c %a "$BUNDLE/rootfs/texplicit")" 710 "the covered directory"
}

@test "mounts: a read-only /dev is filled before it is made read-only" {
	update_config '.mounts |= map(if .destination == "/dev" then .options += ["ro"] else . end)'
	run_ctr sh -c 'awk "\$5 == \"/dev\" {print \$6}" /proc/self/mountinfo; [ -c /dev/null ] && [ -d /dev/pts ] && echo filled'
	[ "$status" -eq 0 ]
	has_opt "${lines[0]}" ro
	assert_eq "${lines[1]}" filled
}

@test "mounts: masked directories share one tmpfs; a path listed twice is masked once" {
	mkdir -p "$BUNDLE/rootfs/m1" "$BUNDLE/rootfs/m2"
	update_config '.linux.maskedPaths += ["/m1", "/m2", "/m1"]'
	run_ctr sh -c 'stat -c %d /m1 /m2; grep -c " /m1 " /proc/self/mountinfo'
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" "${lines[1]}" "device of /m1 and /m2"
	assert_eq "${lines[2]}" 1 "mounts on /m1"
}

@test "mounts: a bind source inside the root may be made by an earlier mount" {
	mkdir -p "$TEST_TMP/a/x"
	echo from-a >"$TEST_TMP/a/x/file"
	add_bind "$TEST_TMP/a" /mnt rbind
	add_bind "$BUNDLE/rootfs/mnt/x" /final rbind
	run_ctr cat /final/file
	[ "$status" -eq 0 ]
	assert_eq "$output" from-a
}

@test "mounts: a destination given as a host path below the root is taken inside it (as runc)" {
	mkdir -p "$TEST_TMP/a"
	echo from-a >"$TEST_TMP/a/file"
	add_bind "$TEST_TMP/a" "$BUNDLE/rootfs/hostpath" rbind
	run_ctr cat /hostpath/file
	[ "$status" -eq 0 ]
	assert_eq "$output" from-a
}

@test "mounts: without a mount namespace the root is chroot'ed and nothing is mounted on the host" {
	requires_ocirun
	update_config '.linux.namespaces = [{"type": "pid"}, {"type": "uts"}]'
	set_args sh -c 'ls /bin/busybox && echo in-root'
	local before
	before="$(wc -l </proc/self/mountinfo)"
	run_ctr
	[ "$status" -eq 0 ]
	assert_contains "$output" "in-root"
	assert_contains "$output" "no mount namespace"
	assert_eq "$(wc -l </proc/self/mountinfo)" "$before" "host mount count"
	assert_no_leftovers
}

@test "mounts: rootfsPropagation unbindable makes the container's root unbindable" {
	runc_gap "unbindable root propagation fails the root bind"
	update_config '.linux.rootfsPropagation = "unbindable" | .process.capabilities.bounding += ["CAP_SYS_ADMIN"]
		| .process.capabilities.effective += ["CAP_SYS_ADMIN"] | .process.capabilities.permitted += ["CAP_SYS_ADMIN"]'
	set_args sh -c 'mkdir -p /tmp/b; mount --bind / /tmp/b 2>&1; echo rc=$?; awk "\$5 == \"/\"" /proc/self/mountinfo'
	run_ctr
	[ "$status" -eq 0 ]
	assert_contains "$output" "Invalid argument"
	assert_contains "$output" "unbindable"
}

@test "mounts: a tmpfs with tmpcopyup starts with the image's content and leaves the image alone" {
	requires_ocirun
	mkdir -p "$BUNDLE/rootfs/data/sub"
	echo from-image >"$BUNDLE/rootfs/data/sub/file"
	ln -s sub/file "$BUNDLE/rootfs/data/link"
	chmod 750 "$BUNDLE/rootfs/data"
	add_mount '{"destination": "/data", "type": "tmpfs", "source": "tmpfs", "options": ["rw", "nosuid", "nodev", "tmpcopyup"]}'
	update_config '.root.readonly = true'
	set_args sh -c 'cat /data/link; stat -c %a /data; echo new > /data/new && echo writable; grep " /data " /proc/self/mounts | cut -d" " -f3'
	run_ctr
	[ "$status" -eq 0 ]
	assert_eq "${lines[0]}" from-image
	assert_eq "${lines[1]}" 750
	assert_eq "${lines[2]}" writable
	assert_eq "${lines[3]}" tmpfs
	[ ! -e "$BUNDLE/rootfs/data/new" ]
}

@test "mounts: a bind of the host's procfs onto /proc is allowed, of another directory refused" {
	no_pidns
	update_config '.mounts |= map(if .type == "proc" then {"destination": "/proc", "type": "bind", "source": "/proc", "options": ["rbind", "nosuid", "nodev", "noexec"]} else . end)'
	run_ctr readlink /proc/self/ns/pid
	[ "$status" -eq 0 ]
	assert_eq "$output" "$(readlink /proc/self/ns/pid)"
	mkdir -p "$TEST_TMP/fakeproc"
	update_config '.mounts |= map(if .destination == "/proc" then .source = $s else . end)' --arg s "$TEST_TMP/fakeproc"
	run_ctr true
	[ "$status" -ne 0 ]
	assert_no_leftovers
}
