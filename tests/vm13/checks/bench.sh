# tests/vm13/checks/bench.sh: issue 14 scenario 6, start-up cost in the Debian 13 guest: one
# container's create + start + delete -f (busybox, process `true`, no terminal), with the systemd
# driver (--systemd-cgroup, a scope per container) and with cgroupfs, for runc 1.1.15, crun 1.21
# and ocirun, as ratios. Not in the default check list (it measures, it does not test); run it as
#   tests/vm13/run --ocirun ./ocirun --checks tests/vm13/checks/bench.sh
# BENCH_N cycles per runtime and driver (default 10), interleaved (runc, crun, ocirun, runc, ...)
# so that the host's load hits them alike. The guest is TCG: compare ratios, not milliseconds.

BENCH_N="${BENCH_N:-10}"
declare -A B_BIN=([runc]=/usr/sbin/runc [crun]=/usr/bin/crun [ocirun]=/usr/local/bin/ocirun)
declare -A B_NS
B_DIR=/tmp/bench
rm -rf "$B_DIR" && mkdir -p "$B_DIR/b/rootfs/bin"
cp /bin/busybox "$B_DIR/b/rootfs/bin/busybox" && ln -s busybox "$B_DIR/b/rootfs/bin/true"
(cd "$B_DIR/b" && ocirun spec) && jq '.process.args=["true"] | .process.terminal=false' \
	"$B_DIR/b/config.json" >"$B_DIR/c" && mv "$B_DIR/c" "$B_DIR/b/config.json"

b_cycle() { # RT DRIVER I: one create + start + delete -f; adds its ns to B_NS[RT/DRIVER]
	local rt="$1" drv="$2" id="b-$1-$3" g=() t0 t1
	if [ "$drv" = systemd ]; then
		g=(--systemd-cgroup)
		jq --arg p "system.slice:vm13bench:$id" '.linux.cgroupsPath=$p' "$B_DIR/b/config.json" >"$B_DIR/b/c1"
	else
		jq --arg p "/vm13bench/$id" '.linux.cgroupsPath=$p' "$B_DIR/b/config.json" >"$B_DIR/b/c1"
	fi
	mv "$B_DIR/b/c1" "$B_DIR/b/config.json"
	t0=$(date +%s%N)
	"${B_BIN[$rt]}" --root "$B_DIR/state-$rt" "${g[@]}" create -b "$B_DIR/b" "$id" </dev/null >/dev/null 2>"$B_DIR/err" &&
		"${B_BIN[$rt]}" --root "$B_DIR/state-$rt" "${g[@]}" start "$id" &&
		"${B_BIN[$rt]}" --root "$B_DIR/state-$rt" "${g[@]}" delete -f "$id" || {
		"${B_BIN[$rt]}" --root "$B_DIR/state-$rt" "${g[@]}" delete -f "$id" >/dev/null 2>&1
		return 1
	}
	t1=$(date +%s%N)
	B_NS[$rt/$drv]=$((${B_NS[$rt/$drv]:-0} + t1 - t0))
}

for drv in cgroupfs systemd; do
	bad=0
	for i in $(seq 1 "$BENCH_N"); do
		for rt in runc crun ocirun; do
			b_cycle "$rt" "$drv" "$i" || {
				bad=1
				fail "bench/$drv/$rt: cycle $i" "$(cat "$B_DIR/err")"
				break 2
			}
		done
	done
	[ $bad = 0 ] && ok "bench/$drv: $BENCH_N cycles of each runtime"
done
table_row bench driver "runc ms" "crun ms" "ocirun ms" "ocirun/runc" "ocirun/crun"
for drv in cgroupfs systemd; do
	r=$((${B_NS[runc/$drv]:-0} / BENCH_N / 1000)) c=$((${B_NS[crun/$drv]:-0} / BENCH_N / 1000))
	o=$((${B_NS[ocirun/$drv]:-0} / BENCH_N / 1000))
	[ "$r" -gt 0 ] && [ "$c" -gt 0 ] || continue
	table_row bench "$drv" "$((r / 1000)).$((r % 1000 / 100))" "$((c / 1000)).$((c % 1000 / 100))" \
		"$((o / 1000)).$((o % 1000 / 100))" "$(awk -v a="$o" -v b="$r" 'BEGIN{printf "%.2f", a/b}')" \
		"$(awk -v a="$o" -v b="$c" 'BEGIN{printf "%.2f", a/b}')"
	diag "bench/$drv: mean create+start+delete: runc $r us, crun $c us, ocirun $o us"
done
