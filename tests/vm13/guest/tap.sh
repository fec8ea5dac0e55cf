# tests/vm13/guest/tap.sh: TAP helpers for the check files, sourced by main
# in the guest. Check files call these; main prints the plan at the end.
#
#   check DESC CMD...     ok when CMD exits 0; otherwise not ok + its output
#   ok DESC / fail DESC [WHY...] / skip DESC REASON / todo DESC REASON
#   diag TEXT...          a "# " comment line
#   ocirun_has FEATURE    `ocirun features` reports .FEATURE == true (jq path)
#   table_row COLS...     one row of the results table (| separated), printed
#                         by main at the end as "# T | ... |" lines
T_N=0
T_FAILED=0
T_OUT="$(mktemp)"
T_TABLE="${T_TABLE:-/run/vm13-table}"
: >"$T_TABLE"

diag() { echo "# $*"; }
ok() {
	T_N=$((T_N + 1))
	echo "ok $T_N - $1"
}
fail() {
	T_N=$((T_N + 1))
	T_FAILED=$((T_FAILED + 1))
	echo "not ok $T_N - $1"
	shift
	[ $# -eq 0 ] || printf '%s\n' "$@" | head -n 15 | sed 's/^/#   /'
}
skip() {
	T_N=$((T_N + 1))
	echo "ok $T_N - $1 # SKIP $2"
}
todo() {
	T_N=$((T_N + 1))
	echo "not ok $T_N - $1 # TODO $2"
}
check() {
	local desc="$1"
	shift
	if "$@" >"$T_OUT" 2>&1; then
		ok "$desc"
	else
		fail "$desc" "$(tail -n 15 "$T_OUT")"
	fi
}
ocirun_has() {
	[ "$(ocirun features 2>/dev/null | jq -r "$1 // false" 2>/dev/null)" = true ]
}
table_row() {
	local IFS='|'
	echo "$*" >>"$T_TABLE"
}
