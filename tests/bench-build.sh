#!/bin/bash
# bench-build.sh - pfjail build against Debian's configure-instance.sh, on
# the same machine in the same run, on scratch Postfix instances, with the
# command line users type (`pfjail build`: no options).
#
#   tests/bench-build.sh [RUNS]        (as root; default 21 runs)
#
# Both tools fill the jail of an instance whose master.cf already has the
# chroot column set, so both do their whole job: cold (empty queue
# directory, no pfjail state), no-op (run again right away) and emptied (a
# known instance's jail emptied; pfjail's cached postconf answers kept).
# A fourth case runs against started instances: one jail file is removed,
# then pfjail build (which must reload Postfix) against configure-instance.sh
# followed by "postfix reload".  Reports the median wall time of each and
# the ratios; the targets are at most 0.10 cold, 0.08 emptied, 0.03 no-op
# and 0.5 running.  Exit 1 if a target is missed.  Never touches
# /etc/postfix or /var/spool/postfix.
#
# ext4 passes over inodes freed in the last minute when it allocates new
# ones, and a jail is mostly new inodes: files deleted just before the run
# (by an earlier run, say) would slow one tool more than the other.  So the
# benchmark first waits a minute after a sync (BENCH_SETTLE=SECONDS, 61 by
# default), and deletes nothing until it ends.  It runs in TMPDIR, or in
# BENCH_DIR=DIR for a given disk.  BENCH_VERBOSE=1 also prints every time,
# sorted, in ms.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
PFJAIL=${PFJAIL:-$here/src/pfjail}
DEBIAN=/usr/lib/postfix/configure-instance.sh
RUNS=${1:-21}
[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 2; }
[ -x "$PFJAIL" ] || { echo "build pfjail first" >&2; exit 2; }
[ -r "$DEBIAN" ] || { echo "$DEBIAN not found (Debian's postfix package)" >&2; exit 2; }
. "$here/tests/instance.sh"

T=$(mktemp -d "${BENCH_DIR:-${TMPDIR:-/tmp}}/pfjail-bench.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT
trap 'exit 2' INT TERM
chmod 755 "$T"
sync
sleep "${BENCH_SETTLE:-61}"

# One instance with the chroot column already set by pfjail.
new_postfix "$T/ref" 24099
printf 'state_dir = "%s/refstate";\njail = { profile_dir = "%s/jail"; };\n' "$T" "$here" > "$T/ref.conf"
"$PFJAIL" -q -f "$T/ref.conf" -c "$T/ref/etc" build >/dev/null || exit 2

# wall clock in ns without forking (bash 5's EPOCHREALTIME), so the timer
# itself adds next to nothing to what is measured
now() { local t=${EPOCHREALTIME/[.,]/}; REPLY=$((t * 1000)); }
ms() { awk -v ns="$1" 'BEGIN { printf "%.2f", ns / 1e6 }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# Every run gets directories of its own and nothing is deleted until the
# end (see above: deleting as the benchmark goes would slow the file
# creation of every later run by the benchmark's own doing).  The order of
# the tools alternates from round to round.
: > "$T/pf.cold"; : > "$T/pf.noop"; : > "$T/deb.cold"; : > "$T/deb.noop"; : > "$T/pf.empty"
for i in $(seq 1 "$RUNS"); do
	if [ $((i % 2)) = 1 ]; then order="pf deb"; else order="deb pf"; fi
	for tool in $order; do
		d=$T/run-$tool-$i
		new_postfix "$d" 24099
		cp "$T/ref/etc/master.cf" "$d/etc/master.cf"
		# Postfix waits while main.cf's mtime is the current second (an
		# editor may still be writing it); real configurations are older.
		touch -d '-1 hour' "$d/etc/main.cf" "$d/etc/master.cf"
		if [ $tool = pf ]; then
			printf 'state_dir = "%s/state-pf-%s";\njail = { profile_dir = "%s/jail"; };\n' \
				"$T" "$i" "$here" > "$T/pf-$i.conf"
			cmd=("$PFJAIL" -q -f "$T/pf-$i.conf" -c "$d/etc" build)
		else
			cmd=(env "MAIL_CONFIG=$d/etc" sh "$DEBIAN")
		fi
		sync
		now; t0=$REPLY; "${cmd[@]}" >/dev/null 2>&1; now; t1=$REPLY
		"${cmd[@]}" >/dev/null 2>&1; now; t2=$REPLY
		echo $((t1 - t0)) >> "$T/$tool.cold"
		echo $((t2 - t1)) >> "$T/$tool.noop"
	done
done
# an emptied jail of a known instance: pfjail's postconf cache is warm, the
# jail and its manifest are gone (these deletions come after the cold runs)
for i in $(seq 1 "$RUNS"); do
	d=$T/run-pf-$i
	find "$d/spool" -mindepth 1 -maxdepth 1 -exec rm -rf {} +
	rm -f "$T/state-pf-$i"/*.manifest
	sync
	now; t0=$REPLY; "$PFJAIL" -q -f "$T/pf-$i.conf" -c "$d/etc" build >/dev/null 2>&1
	now; t1=$REPLY
	echo $((t1 - t0)) >> "$T/pf.empty"
done

# a running instance: a changed jail must reach the running Postfix
for tool in pf deb; do
	port=$([ $tool = pf ] && echo 24097 || echo 24098)
	new_postfix "$T/live-$tool" "$port"
	# the reference's chroot column, on this instance's own port
	sed "s/^127\.0\.0\.1:24099 /127.0.0.1:$port /" "$T/ref/etc/master.cf" > "$T/live-$tool/etc/master.cf"
	touch -d '-1 hour' "$T/live-$tool/etc/main.cf" "$T/live-$tool/etc/master.cf"
done
printf 'state_dir = "%s/state-live";\njail = { profile_dir = "%s/jail"; };\n' "$T" "$here" > "$T/live.conf"
"$PFJAIL" -q -f "$T/live.conf" -c "$T/live-pf/etc" build >/dev/null 2>&1 || exit 2
env "MAIL_CONFIG=$T/live-deb/etc" sh "$DEBIAN" >/dev/null 2>&1
trap 'stop_postfix "$T/live-pf"; stop_postfix "$T/live-deb"; rm -rf "$T"' EXIT
trap 'exit 2' INT TERM
start_postfix "$T/live-pf"; start_postfix "$T/live-deb"
wait_listen 24097 && wait_listen 24098 || { echo "the running instances did not start" >&2; exit 2; }
: > "$T/pf.live"; : > "$T/deb.live"
for i in $(seq 1 "$RUNS"); do
	if [ $((i % 2)) = 1 ]; then order="pf deb"; else order="deb pf"; fi
	for tool in $order; do
		d=$T/live-$tool
		rm -f "$d/spool/etc/services"
		if [ $tool = pf ]; then
			now; t0=$REPLY
			"$PFJAIL" -q -f "$T/live.conf" -c "$d/etc" build >/dev/null 2>&1
			now; t1=$REPLY
		else
			now; t0=$REPLY
			env "MAIL_CONFIG=$d/etc" sh "$DEBIAN" >/dev/null 2>&1 && postfix -c "$d/etc" reload >/dev/null 2>&1
			now; t1=$REPLY
		fi
		echo $((t1 - t0)) >> "$T/$tool.live"
	done
done
rm -f "$T/live-pf/spool/etc/services"
"$PFJAIL" -v -f "$T/live.conf" -c "$T/live-pf/etc" build 2>&1 | grep -q "Postfix reloaded" ||
	{ echo "pfjail build did not reload the running instance" >&2; exit 2; }

pc=$(median < "$T/pf.cold"); pn=$(median < "$T/pf.noop"); pe=$(median < "$T/pf.empty")
pl=$(median < "$T/pf.live"); dl=$(median < "$T/deb.live")
rl=$(awk -v a="$pl" -v b="$dl" 'BEGIN { printf "%.3f", a / b }')
dc=$(median < "$T/deb.cold"); dn=$(median < "$T/deb.noop")
rc=$(awk -v a="$pc" -v b="$dc" 'BEGIN { printf "%.3f", a / b }')
rn=$(awk -v a="$pn" -v b="$dn" 'BEGIN { printf "%.3f", a / b }')
re=$(awk -v a="$pe" -v b="$dc" 'BEGIN { printf "%.3f", a / b }')
status=0
verdict() { awk -v r="$1" -v t="$2" 'BEGIN { exit !(r <= t) }' && echo "ok" || { echo "MISSED"; status=1; }; }

if [ -n "${BENCH_VERBOSE:-}" ]; then
	for f in pf.cold deb.cold pf.empty pf.noop deb.noop pf.live deb.live; do
		printf '%-9s' "$f"; sort -n "$T/$f" | awk '{ printf " %.2f", $1 / 1e6 }'; echo
	done
fi
echo "median of $RUNS runs, wall time"
printf '%-10s %12s %12s %8s %8s %s\n' case pfjail debian ratio target verdict
printf '%-10s %10s ms %10s ms %8s %8s %s\n' cold "$(ms "$pc")" "$(ms "$dc")" "$rc" 0.100 "$(verdict "$rc" 0.1)"
printf '%-10s %10s ms %10s ms %8s %8s %s\n' emptied "$(ms "$pe")" "$(ms "$dc")" "$re" 0.080 "$(verdict "$re" 0.08)"
printf '%-10s %10s ms %10s ms %8s %8s %s\n' no-op "$(ms "$pn")" "$(ms "$dn")" "$rn" 0.030 "$(verdict "$rn" 0.03)"
printf '%-10s %10s ms %10s ms %8s %8s %s\n' running "$(ms "$pl")" "$(ms "$dl")" "$rl" 0.500 "$(verdict "$rl" 0.5)"
echo "(running: one jail file removed, then pfjail build, which reloads, against configure-instance.sh + postfix reload)"
exit $status
