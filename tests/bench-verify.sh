#!/bin/bash
# bench-verify.sh - how fast pfjail verify is, measured in one run against
# the peers named by its targets.
#
#   tests/bench-verify.sh [SIZE_MB] [FILES]     (as root; default 1024 MB in 3000 files)
#
# 1. The default jail of a scratch instance: median verify time (target
#    under 10 ms).
# 2. A large jail (SIZE_MB of data in FILES files, listed in
#    jail.extra_files): verify against OpenSSL's SHA-256 over the same
#    files in one process (one core) - target at most 1.2x - and against
#    Debian's aide --check with a sha256-only rule - target at least 3x
#    faster.  Reports whether verify used more than one core (CPU time /
#    wall time).  Page cache warm for every tool.  Exit 1 if a target is
#    missed.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
PFJAIL=${PFJAIL:-$here/src/pfjail}
SIZE_MB=${1:-1024}
NFILES=${2:-3000}
[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 2; }
[ -x "$PFJAIL" ] || { echo "build pfjail first" >&2; exit 2; }
. "$here/tests/instance.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/pfjail-bench.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM
chmod 755 "$T"
status=0

# wall clock in ns without forking (bash 5's EPOCHREALTIME), so the timer
# itself adds next to nothing to what is measured
now() { local t=${EPOCHREALTIME/[.,]/}; REPLY=$((t * 1000)); }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ms() { awk -v ns="$1" 'BEGIN { printf "%.1f", ns / 1e6 }'; }

# --- 1. the default jail -------------------------------------------------------
new_postfix "$T/small" 24097
touch -d '-1 hour' "$T/small/etc/"*.cf
cat > "$T/small.conf" <<CONF
state_dir = "$T/state-small";
jail = { profile_dir = "$here/jail"; };
supervise = { seccomp_policy_dir = "$here/conf"; };
CONF
"$PFJAIL" -q -f "$T/small.conf" -c "$T/small/etc" build --no-reload >/dev/null 2>&1 || exit 2
"$PFJAIL" -q -f "$T/small.conf" -c "$T/small/etc" verify || { echo "default jail not clean" >&2; exit 2; }
: > "$T/small.times"
for i in $(seq 1 21); do
	now; t0=$REPLY; "$PFJAIL" -q -f "$T/small.conf" -c "$T/small/etc" verify; now; t1=$REPLY
	echo $((t1 - t0)) >> "$T/small.times"
done
small=$(median < "$T/small.times")
v=$(awk -v t="$small" 'BEGIN { print (t < 10e6) ? "ok" : "MISSED" }')
[ "$v" = ok ] || status=1
printf 'default jail: verify %s ms (median of 21), target < 10 ms: %s\n' "$(ms "$small")" "$v"

# --- 2. a large jail --------------------------------------------------------------
mkdir -p "$T/data"
per=$(( SIZE_MB * 1024 * 1024 / NFILES ))
head -c $((SIZE_MB * 1024 * 1024)) /dev/urandom | split -a 5 -b "$per" - "$T/data/f."
{
	printf 'state_dir = "%s/state-big";\n' "$T"
	printf 'supervise = { seccomp_policy_dir = "%s/conf"; };\n' "$here"
	printf 'jail = { profile_dir = "%s/jail"; extra_files = [' "$here"
	first=1
	for f in "$T"/data/f.*; do
		[ $first = 1 ] || printf ', '
		printf '"%s"' "$f"
		first=0
	done
	printf ']; };\n'
} > "$T/big.conf"
new_postfix "$T/big" 24096
touch -d '-1 hour' "$T/big/etc/"*.cf
"$PFJAIL" -q -f "$T/big.conf" -c "$T/big/etc" build --no-reload >/dev/null 2>&1 || { echo "large build failed" >&2; exit 2; }
J=$T/big/spool
nfiles=$(find "$J" -type f | wc -l)
total_mb=$(du -sm "$J" | cut -f1)
find "$J" -type f -print0 | sort -z > "$T/files"

run3() {	# run3 NAME CMD... - median wall ns of 3 runs after a warm-up; CPU/wall ratio of the last
	name=$1; shift
	"$@" >/dev/null 2>&1
	: > "$T/$name.times"
	for i in 1 2 3; do
		now; t0=$REPLY
		/usr/bin/time -f '%U %S' -o "$T/$name.cpu" "$@" >/dev/null 2>&1
		now; t1=$REPLY
		echo $((t1 - t0)) >> "$T/$name.times"
	done
	median < "$T/$name.times"
}

"$PFJAIL" -q -f "$T/big.conf" -c "$T/big/etc" verify >"$T/big.out" 2>&1 ||
	{ echo "large jail not clean:" >&2; head "$T/big.out" >&2; exit 2; }
pf=$(run3 verify "$PFJAIL" -q -f "$T/big.conf" -c "$T/big/etc" verify)
pf_cpu=$(awk '{ print $1 + $2 }' "$T/verify.cpu")
ossl=$(run3 openssl sh -c "xargs -0 openssl dgst -sha256 < '$T/files'")
cores=$(awk -v c="$pf_cpu" -v w="$pf" 'BEGIN { printf "%.2f", c / (w / 1e9) }')
r_ossl=$(awk -v a="$pf" -v b="$ossl" 'BEGIN { printf "%.2f", a / b }')
v1=$(awk -v r="$r_ossl" 'BEGIN { print (r <= 1.2) ? "ok" : "MISSED" }')
[ "$v1" = ok ] || status=1
printf 'large jail: %s files, %s MB\n' "$nfiles" "$total_mb"
printf '  pfjail verify   %8s ms  (CPU/wall %s: %s)\n' "$(ms "$pf")" "$cores" \
	"$(awk -v c="$cores" 'BEGIN { print (c > 1.3) ? "more than one core" : "one core" }')"
printf '  openssl sha256  %8s ms  ratio %s, target <= 1.20: %s\n' "$(ms "$ossl")" "$r_ossl" "$v1"

if command -v aide >/dev/null; then
	cat > "$T/aide.conf" <<AIDE
database_in=file:$T/aide.db
database_out=file:$T/aide.db.new
gzip_dbout=no
report_url=stdout
R = sha256
$J R
AIDE
	aide --config="$T/aide.conf" --init >/dev/null 2>&1
	mv "$T/aide.db.new" "$T/aide.db"
	aide_t=$(run3 aide aide --config="$T/aide.conf" --check)
	r_aide=$(awk -v a="$aide_t" -v b="$pf" 'BEGIN { printf "%.2f", a / b }')
	v2=$(awk -v r="$r_aide" 'BEGIN { print (r >= 3) ? "ok" : "MISSED" }')
	[ "$v2" = ok ] || status=1
	printf '  aide --check    %8s ms  pfjail is %sx faster, target >= 3: %s\n' "$(ms "$aide_t")" "$r_aide" "$v2"
else
	echo "  aide not installed (apt-get install aide): comparison skipped"
fi
exit $status
