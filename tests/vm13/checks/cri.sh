# tests/vm13/checks/cri.sh: the kubelet's path (issue 15). containerd 1.7's
# CRI plugin with ocirun as a RuntimeClass handler (io.containerd.runc.v2,
# BinaryName), driven by a CRI client (cri/cri.py) as the kubelet would, with
# the systemd and the cgroupfs driver; runc, registered as handler "runc",
# is the control. Sourced by guest/main.
#
# Set up here, at test time, nothing fetched: the gRPC stubs generated from
# the guest's api.proto (golang-github-kubernetes-cri-api-dev) with
# grpc_tools.protoc; a containerd config under /run (a unit drop-in points
# containerd at it, removed at the end); a bridge CNI network with host-local
# IPAM, no gateway, no masquerade; the pause image from the payload.
# Each scenario is one TAP line per runtime and one row of the results table.
# Sourced by main: globals here are CRI_* or cri_* (main keeps its own t0).

CRI_DIR="$VM13_PAYLOAD/cri"
CRI_RUN=/run/vm13-cri
CRI_DROPIN=/run/systemd/system/containerd.service.d/vm13-cri.conf
CRI_CNI=/etc/cni/net.d/10-vm13.conflist
CRI_PAUSE=localhost/pause:vm13
CRI_RUNTIMES=(runc ocirun)
declare -A CRI_BIN=([runc]=/usr/sbin/runc [ocirun]=/usr/local/bin/ocirun)
CRI_TMO=300 # seconds for one runtime's scenarios (all CRI calls have deadlines too)
declare -A CRI_RES CRI_WHY
CRI_OUT="$(mktemp)"

cri_gen() { # the Python stubs; gogoproto's options only matter to Go
	local proto=/usr/share/gocode/src/k8s.io/cri-api/pkg/apis/runtime/v1/api.proto
	mkdir -p "$CRI_RUN/gen" || return 1
	sed '/gogo/d' "$proto" >"$CRI_RUN/gen/api.proto" || return 1
	(cd "$CRI_RUN/gen" && timeout 120 python3 -m grpc_tools.protoc -I. --python_out=. --grpc_python_out=. api.proto)
}

cri_config() { # DRIVER: containerd's config with both handlers
	local sd=false rt
	[ "$1" != systemd ] || sd=true
	{
		cat <<-EOF
			version = 2
			[plugins."io.containerd.grpc.v1.cri"]
			  sandbox_image = "$CRI_PAUSE"
			  stream_server_address = "127.0.0.1"
			  stream_server_port = "0"
			[plugins."io.containerd.grpc.v1.cri".cni]
			  bin_dir = "/usr/lib/cni"
			  conf_dir = "/etc/cni/net.d"
			[plugins."io.containerd.grpc.v1.cri".containerd]
			  default_runtime_name = "runc"
		EOF
		for rt in "${CRI_RUNTIMES[@]}"; do
			cat <<-EOF
				[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.$rt]
				  runtime_type = "io.containerd.runc.v2"
				[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.$rt.options]
				  BinaryName = "${CRI_BIN[$rt]}"
				  SystemdCgroup = $sd
			EOF
		done
	} >"$CRI_RUN/config.toml"
}

cri_start() { # DRIVER: containerd with that config, the CRI up, the images in k8s.io
	cri_config "$1" || return 1
	systemctl restart containerd.service || return 1
	local i
	for i in $(seq 60); do
		timeout 10 ctr plugins ls 2>/dev/null | grep -q 'io.containerd.grpc.v1 *cri *.* ok' && break
		sleep 1
	done
	timeout 10 ctr plugins ls | grep 'io.containerd.grpc.v1 *cri' | grep -q ' ok' || {
		journalctl -u containerd --no-pager | tail -n 10
		return 1
	}
	timeout 60 ctr -n k8s.io images check 2>/dev/null | grep -q "$CRI_PAUSE.*complete" && return 0
	timeout 120 ctr -n k8s.io images import "$VM13_IMAGE" >/dev/null &&
		timeout 120 ctr -n k8s.io images import "$VM13_PAYLOAD/pause-image.tar" >/dev/null
}

cri_setup() {
	mkdir -p "$CRI_RUN" "$(dirname "$CRI_DROPIN")" /etc/cni/net.d
	cri_gen || return 1
	jq -n '{cniVersion: "0.4.0", name: "vm13", plugins: [{type: "bridge", bridge: "cni-vm13",
		isGateway: false, ipMasq: false, hairpinMode: false,
		ipam: {type: "host-local", ranges: [[{subnet: "10.88.13.0/24"}]]}}]}' >"$CRI_CNI" || return 1
	printf '[Service]\nExecStart=\nExecStart=/usr/bin/containerd --config %s\n' "$CRI_RUN/config.toml" >"$CRI_DROPIN"
	systemctl daemon-reload
}

cri_teardown() { # containerd back to the image's configuration, stopped
	systemctl stop containerd.service >/dev/null 2>&1
	rm -f "$CRI_DROPIN" "$CRI_CNI"
	systemctl daemon-reload
	ip link del cni-vm13 >/dev/null 2>&1 || true
	# The pods' parents, which the kubelet would remove.
	systemctl stop kubepods.slice >/dev/null 2>&1 || true
	rmdir /sys/fs/cgroup/kubepods/besteffort /sys/fs/cgroup/kubepods 2>/dev/null || true
}

cri_runtime() { # DRIVER RT: runs the client; fills CRI_RES/CRI_WHY[DRIVER/SCENARIO/RT]
	local d="$1" rt="$2" s res why line t0=$SECONDS
	timeout "$CRI_TMO" python3 "$CRI_DIR/cri.py" --gen "$CRI_RUN/gen" --handler "$rt" \
		--binary "${CRI_BIN[$rt]}" --driver "$d" >"$CRI_OUT" 2>&1
	while read -r line; do
		case "$line" in
		"R "*)
			read -r _ s res why <<<"$line"
			CRI_RES[$d/$s/$rt]="$res"
			CRI_WHY[$d/$s/$rt]="$why"
			;;
		"D "*) diag "cri/$d/$rt: ${line#D }" ;;
		*) diag "cri/$d/$rt: $line" ;;
		esac
	done <"$CRI_OUT"
	diag "cri/$d/$rt: $((SECONDS - t0)) s"
}

cri_wanted() { # DRIVER [RT]: some row cri/DRIVER/SCENARIO/RT matches VM13_ONLY
	local s rt rts=("${CRI_RUNTIMES[@]}")
	[ -n "${VM13_ONLY:-}" ] || return 0
	[ -z "${2:-}" ] || rts=("$2")
	for s in "${CRI_SCENARIOS[@]}"; do
		for rt in "${rts[@]}"; do [[ cri/$1/$s/$rt =~ $VM13_ONLY ]] && return 0; done
	done
	return 1
}

cri_report() { # DRIVER SCENARIO: one TAP line per runtime, one table row
	local d="$1" s="$2" rt id res why cells=() ctl="${CRI_RES[$1/$2/runc]:-none}"
	for rt in "${CRI_RUNTIMES[@]}"; do
		id="cri/$d/$s/$rt"
		if [ -n "${VM13_ONLY:-}" ] && ! [[ $id =~ $VM13_ONLY ]]; then
			cells+=(-)
			continue
		fi
		res="${CRI_RES[$d/$s/$rt]:-none}"
		why="${CRI_WHY[$d/$s/$rt]:-the client printed no result (see the diag lines)}"
		cells+=("$res")
		if [ "$res" = pass ]; then
			ok "$id"
		elif [ "$s" = userns ] && [ "$ctl" != pass ]; then
			# What containerd 1.7 cannot do with any runtime is not ocirun's.
			skip "$id" "containerd 1.7 with runc fails too: ${CRI_WHY[$d/$s/runc]:-}"
		elif [ "$rt" != ocirun ]; then
			todo "$id" "control runtime fails: $why"
		else
			fail "$id" "$why"
		fi
	done
	table_row cri "$d" "$s" "${cells[0]}" - "${cells[1]}"
}

CRI_SCENARIOS=(pod_namespaces exec resources status_stats_logs start_error oom stop_remove userns)
[ -s "$T_TABLE" ] || table_row client driver scenario runc crun ocirun
if ! cri_wanted systemd && ! cri_wanted cgroupfs; then
	diag "cri: no row matches VM13_ONLY"
elif ! cri_setup >"$CRI_OUT" 2>&1; then
	fail "cri: setup (stubs, CNI, containerd drop-in)" "$(tail -n 10 "$CRI_OUT")"
else
	for cri_d in systemd cgroupfs; do
		cri_wanted "$cri_d" || continue
		cri_t0=$SECONDS
		if ! cri_start "$cri_d" >"$CRI_OUT" 2>&1; then
			fail "cri/$cri_d: containerd with the CRI config" "$(tail -n 10 "$CRI_OUT")"
			continue
		fi
		for cri_rt in "${CRI_RUNTIMES[@]}"; do
			! cri_wanted "$cri_d" "$cri_rt" || cri_runtime "$cri_d" "$cri_rt"
		done
		for cri_s in "${CRI_SCENARIOS[@]}"; do cri_report "$cri_d" "$cri_s"; done
		diag "cri/$cri_d: $((SECONDS - cri_t0)) s"
	done
fi
cri_teardown
