#!/usr/bin/env bats
# Idmapped mounts: mounts[].uidMappings/gidMappings and the idmap / ridmap options
# (mount_setattr MOUNT_ATTR_IDMAP). The container reads owners through the mount
# and creates files in it; the host checks what landed on disk.

load helpers

setup() {
	setup_common
	runc_gap "idmapped mounts came in runc 1.2"
	make_bundle
	VOL="$TEST_TMP/vol"
	mkdir -p "$VOL/sub"
	chmod 777 "$VOL"
	touch "$VOL/root0" "$VOL/u1000" "$VOL/u5000"
	chown 1000:1000 "$VOL/u1000"
	chown 5000:5000 "$VOL/u5000"
}

teardown() {
	teardown_common
}

# idmapped_vol OPTIONS-JSON [UIDMAP-JSON GIDMAP-JSON]: bind $VOL at /v (made in the image: root of
# a user namespace cannot create it in a rootfs that host root owns).
idmapped_vol() {
	mkdir -p "$BUNDLE/rootfs/v"
	add_mount "$(jq -n --arg s "$VOL" --argjson o "$1" \
		'{"destination": "/v", "type": "bind", "source": $s, "options": $o}')"
	if [ $# -ge 3 ]; then
		update_config '.mounts[-1].uidMappings = $u | .mounts[-1].gidMappings = $g' \
			--argjson u "$2" --argjson g "$3"
	fi
}

MAP_U='[{"containerID": 0, "hostID": 2000, "size": 1001}]'
MAP_G='[{"containerID": 0, "hostID": 3000, "size": 1001}]'

@test "idmap: uidMappings on a bind show each file under its mapped owner (no user namespace)" {
	idmapped_vol '["rbind"]' "$MAP_U" "$MAP_G"
	run_ctr sh -c 'stat -c "%n %u %g" /v/root0 /v/u1000 /v/u5000; touch /v/new 2>&1; echo "touch=$?"'
	[ "$status" -eq 0 ]
	assert_contains "$output" "/v/root0 2000 3000"
	assert_contains "$output" "/v/u1000 3000 4000"
	# outside the mapping: the overflow id
	assert_contains "$output" "/v/u5000 65534 65534"
	# root (uid 0) has no id on the disk side of this mapping
	assert_contains "$output" "touch=1"
	[ ! -e "$VOL/new" ]
	# the host's view is unchanged
	assert_eq "$(stat -c %u "$VOL/root0")" 0
	assert_no_leftovers
}

@test "idmap: option idmap without mappings takes the user namespace's, so container root owns disk root's files" {
	userns_config
	idmapped_vol '["bind", "idmap"]'
	run_ctr sh -c 'stat -c "%n %u %g" /v/root0 /v/u1000; touch /v/made; mkdir /v/dir; echo "rc=$?"'
	[ "$status" -eq 0 ]
	assert_contains "$output" "/v/root0 0 0"
	assert_contains "$output" "/v/u1000 1000 1000"
	assert_contains "$output" "rc=0"
	# created as container root: stored as 0, not as the host id 200000
	assert_eq "$(stat -c '%u %g' "$VOL/made")" "0 0"
	assert_eq "$(stat -c '%u %g' "$VOL/dir")" "0 0"
	assert_no_leftovers
}

@test "idmap: without idmap the same user namespace container sees the overflow id (the control)" {
	userns_config
	idmapped_vol '["bind"]'
	run_ctr stat -c "%n %u" /v/root0
	[ "$status" -eq 0 ]
	assert_contains "$output" "/v/root0 65534"
}

@test "idmap: ridmap maps the submounts of an rbind, idmap only its top" {
	mount -t tmpfs -o mode=755 ocirun-idmap-test "$VOL/sub"
	on_teardown umount -l "$VOL/sub"
	touch "$VOL/sub/x"
	idmapped_vol '["rbind", "idmap"]' "$MAP_U" "$MAP_G"
	run_ctr stat -c "%n %u" /v/root0 /v/sub/x
	[ "$status" -eq 0 ]
	assert_contains "$output" "/v/root0 2000"
	assert_contains "$output" "/v/sub/x 0"

	rm -rf "$BUNDLE"
	make_bundle
	idmapped_vol '["rbind", "ridmap"]' "$MAP_U" "$MAP_G"
	run_ctr stat -c "%n %u" /v/root0 /v/sub/x
	[ "$status" -eq 0 ]
	assert_contains "$output" "/v/root0 2000"
	assert_contains "$output" "/v/sub/x 2000"
	assert_no_leftovers
}

@test "idmap: flags apply to the idmapped mount and mountinfo marks it idmapped" {
	idmapped_vol '["bind", "ro", "nosuid", "nodev"]' "$MAP_U" "$MAP_G"
	set_args sh -c 'cat /proc/self/mountinfo; touch /v/ro-test 2>/dev/null && echo WRITABLE; exit 0'
	# through create and start, not only run
	create_ctr
	rt start "$ID"
	wait_for_status "$ID" stopped
	output="$(cat "$TEST_TMP/$ID.out")"
	local opts
	opts="$(mi_field /v opts)"
	has_opt "$opts" ro
	has_opt "$opts" nosuid
	has_opt "$opts" nodev
	has_opt "$opts" idmapped
	assert_not_contains "$output" WRITABLE
	rt delete "$ID"
	assert_no_leftovers
}

@test "idmap: a container joining another's user namespace by path maps with that namespace" {
	join_userns_of "$ID-a"
	idmapped_vol '["bind", "idmap"]'
	run_ctr sh -c 'cat /proc/self/uid_map; stat -c "%n %u" /v/root0; touch /v/joined; echo "rc=$?"'
	[ "$status" -eq 0 ]
	assert_contains "$output" "0     200000      65536"
	assert_contains "$output" "/v/root0 0"
	assert_contains "$output" "rc=0"
	assert_eq "$(stat -c %u "$VOL/joined")" 0
	rt delete -f "$ID-a"
	assert_no_leftovers
}

@test "idmap: a mount made under the idmapped bind stays in the container although the source is shared" {
	# the source is a shared mount point on the host: a clone left in its peer group would
	# carry the container's mounts back to the host
	mount --bind "$VOL" "$VOL"
	on_teardown umount -l "$VOL"
	mount --make-shared "$VOL"
	idmapped_vol '["rbind", "idmap"]' "$MAP_U" "$MAP_G"
	update_config '.process.capabilities.bounding += ["CAP_SYS_ADMIN"]
		| .process.capabilities.effective += ["CAP_SYS_ADMIN"]
		| .process.capabilities.permitted += ["CAP_SYS_ADMIN"]'
	run_ctr sh -c 'mount -t tmpfs inner /v/sub && grep -c " /v/sub " /proc/self/mountinfo'
	[ "$status" -eq 0 ]
	assert_eq "${lines[-1]}" 1
	run grep -c " $VOL/sub " /proc/self/mountinfo
	assert_eq "$output" 0
	assert_no_leftovers
}

@test "idmap: in a user namespace the host's locks stay on the tree: a read-only submount stays read-only and mounted" {
	# a read-only bind on the host below the source; the container's root has CAP_SYS_ADMIN in
	# its user namespace. A tree cloned from the host's mount namespace would carry no lock.
	mkdir -p "$TEST_TMP/rosrc"
	mount --bind "$TEST_TMP/rosrc" "$VOL/sub"
	on_teardown umount -l "$VOL/sub"
	mount -o remount,bind,ro "$VOL/sub"
	userns_config
	idmapped_vol '["rbind", "ridmap"]'
	update_config '.process.capabilities.bounding += ["CAP_SYS_ADMIN"]
		| .process.capabilities.effective += ["CAP_SYS_ADMIN"]
		| .process.capabilities.permitted += ["CAP_SYS_ADMIN"]'
	run_ctr sh -c 'touch /v/top && echo top=ok
		mount -o remount,bind,rw /v/sub 2>/dev/null; echo "remount=$?"
		umount /v/sub 2>/dev/null; echo "umount=$?"
		touch /v/sub/x 2>/dev/null; echo "touch=$?"'
	echo "$output"
	[ "$status" -eq 0 ]
	assert_contains "$output" "top=ok"
	assert_not_contains "$output" "remount=0"
	assert_not_contains "$output" "umount=0"
	assert_contains "$output" "touch=1"
	[ ! -e "$TEST_TMP/rosrc/x" ]
	assert_no_leftovers
}

@test "idmap: a source below an earlier mount is taken once that mount is made, in config order" {
	mkdir -p "$BUNDLE/rootfs/mnt" "$BUNDLE/rootfs/v"
	add_bind "$VOL" /mnt rbind
	# the source is a host path inside the root: what shows there is the bind just made
	add_mount "$(jq -n --arg s "$BUNDLE/rootfs/mnt" \
		'{"destination": "/v", "type": "bind", "source": $s, "options": ["rbind"]}')"
	update_config '.mounts[-1].uidMappings = $u | .mounts[-1].gidMappings = $g' \
		--argjson u "$MAP_U" --argjson g "$MAP_G"
	run_ctr sh -c 'stat -c "%n %u %g" /v/root0 /v/u1000'
	[ "$status" -eq 0 ]
	assert_contains "$output" "/v/root0 2000 3000"
	assert_contains "$output" "/v/u1000 3000 4000"
	assert_no_leftovers
}

@test "idmap: features reports idmap and lists the options (and the LSMs it implements)" {
	requires_ocirun
	run_rt features
	[ "$status" -eq 0 ]
	assert_eq "$(jq -r '.linux.mountExtensions.idmap.enabled' <<<"$output")" true
	assert_eq "$(jq -r '.mountOptions | index("idmap") != null and index("ridmap") != null' <<<"$output")" true
	# what ocirun implements, whatever the host has (features-linux.md)
	assert_eq "$(jq -r '[.linux.apparmor.enabled, .linux.selinux.enabled, .linux.intelRdt.enabled] | @tsv' <<<"$output")" \
		"$(printf 'true\ttrue\tfalse')"
}

# containerd reads these to decide: rro for recursive read-only mounts (kubelet
# recursiveReadOnly), the user namespace and idmap for user-namespaced pods.
@test "features: what containerd reads (rro, the user namespace, idmap)" {
	requires_ocirun
	run_rt features
	[ "$status" -eq 0 ]
	assert_eq "$(jq -r '.mountOptions | index("rro") != null and index("rrw") != null' <<<"$output")" true
	assert_eq "$(jq -r '.linux.namespaces | index("user") != null' <<<"$output")" true
	assert_eq "$(jq -r '.linux.mountExtensions.idmap.enabled' <<<"$output")" true
}

# bad CASE-NAME JQ EXPECTED: the run fails with one line naming the field; nothing is left.
bad_idmap() {
	update_config "$1"
	run_ctr_sep true
	[ "$status" -ne 0 ]
	assert_contains "$stderr" "$2"
	assert_eq "$(grep -c . <<<"$stderr")" 1
	assert_no_leftovers
}

@test "idmap: idmap without mappings and without a user namespace is refused" {
	requires_ocirun
	idmapped_vol '["bind", "idmap"]'
	bad_idmap '.' "mounts[7].options: idmap/ridmap without uidMappings and gidMappings takes the container's user namespace mappings, but the container has no user namespace"
}

@test "idmap: uidMappings without gidMappings is refused" {
	requires_ocirun
	idmapped_vol '["bind"]' "$MAP_U" "$MAP_G"
	bad_idmap 'del(.mounts[-1].gidMappings)' "mounts[7].uidMappings: must be given with gidMappings"
}

@test "idmap: an idmapped tmpfs is refused" {
	requires_ocirun
	add_mount '{"destination": "/t", "type": "tmpfs", "source": "tmpfs", "options": ["idmap"]}'
	bad_idmap '.' "mounts[7].options: only a bind mount can be idmapped"
}

@test "idmap: a mapping of size 0 is refused" {
	requires_ocirun
	idmapped_vol '["bind"]' "$MAP_U" "$MAP_G"
	bad_idmap '.mounts[-1].gidMappings[0].size = 0' "mounts[7].gidMappings[0].size: must be at least 1"
}

@test "idmap: a source on a filesystem without idmap support fails cleanly" {
	requires_ocirun
	# procfs has no FS_ALLOW_IDMAP
	add_mount '{"destination": "/v", "type": "bind", "source": "/proc/sys", "options": ["bind"],
		"uidMappings": [{"containerID": 0, "hostID": 2000, "size": 1}],
		"gidMappings": [{"containerID": 0, "hostID": 2000, "size": 1}]}'
	bad_idmap '.' "mounts[7] (idmapped bind on /v): idmap \"/proc/sys\""
}
