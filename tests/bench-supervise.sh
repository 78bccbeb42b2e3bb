#!/bin/bash
# bench-supervise.sh - Postfix's message throughput under pfjail supervise
# against the same instance started with "postfix start", in the same run,
# with Postfix's own smtp-source on 127.0.0.1; the supervisor's memory;
# its wakeups while idle.
#
#   tests/bench-supervise.sh [RUNS] [MESSAGES]   (as root; default 5 runs of 2000)
#
# One scratch instance (chrooted by pfjail build) whose mail is delivered
# by discard(8), so the queue, not a mailbox, is what is measured.  A run
# sends MESSAGES messages over 20 SMTP sessions and ends when the queue is
# empty again; throughput is messages per second.  The three ways of
# starting Postfix take turns in every round: "postfix start", supervise
# with seccomp deny (capabilities reduced too), supervise with seccomp
# allow.  Reports each mode's throughput over all its runs and the ratios
# against "postfix start" (target at least 0.97), the supervisor's private
# memory, Private_Clean + Private_Dirty of /proc/PID/smaps_rollup (target at
# most 1 MiB; Pss and VmRSS shown beside it), and its context switches over 10 idle seconds with the audit
# timer off (target 0).  Exit 1 if a target is missed.  Never touches
# /etc/postfix or /var/spool/postfix.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
PFJAIL=${PFJAIL:-$here/src/pfjail}
RUNS=${1:-5}
N=${2:-2000}
PORT=24199
SOURCE=$(command -v smtp-source || echo /usr/sbin/smtp-source)
[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 2; }
[ -x "$PFJAIL" ] || { echo "build pfjail first" >&2; exit 2; }
[ -x "$SOURCE" ] || { echo "smtp-source (Postfix) not found" >&2; exit 2; }
. "$here/tests/instance.sh"

# The instance lives on tmpfs (/dev/shm) unless BENCH_DIR says otherwise.
# On this kind of machine a disk's fsync latency makes single runs range
# from 620 to 1310 msg/s, which drowns a difference of a few percent; on
# tmpfs Postfix is CPU-bound, the worst case for the per-system-call cost
# of a seccomp filter, and runs agree within a few percent.
BENCH_DIR=${BENCH_DIR:-$( [ -d /dev/shm ] && echo /dev/shm || echo "${TMPDIR:-/tmp}" )}
T=$(mktemp -d "$BENCH_DIR/pfjail-bench.XXXXXX")
I=$T/pf
SV=
cleanup() {
	[ -n "$SV" ] && kill -TERM "$SV" 2>/dev/null && wait "$SV" 2>/dev/null
	stop_postfix "$I"
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 2' INT TERM
chmod 755 "$T"

new_postfix "$I" $PORT
cat >> "$I/etc/main.cf" <<MAIN
local_transport = discard:
local_recipient_maps =
smtpd_client_connection_count_limit = 0
smtpd_client_message_rate_limit = 0
in_flow_delay = 0
MAIN
touch -d '-1 hour' "$I/etc/main.cf"
conf() {
	cat > "$T/pfjail.conf" <<CONF
state_dir = "$T/state";
jail = { profile_dir = "$here/jail"; };
aliases = { policy = "warn"; };
supervise = { seccomp = "$1"; seccomp_policy_dir = "$here/conf"; audit_interval = 0; notify_fd = 9; };
CONF
}
conf deny
"$PFJAIL" -q -f "$T/pfjail.conf" -c "$I/etc" build >/dev/null || exit 2

queue_empty() {
	[ -z "$(find "$I/spool/incoming" "$I/spool/active" "$I/spool/deferred" "$I/spool/maildrop" -type f 2>/dev/null | head -1)" ]
}
wait_ready() {
	for _i in $(seq 1 150); do [ -s "$T/ready" ] && return 0; sleep 0.1; done
	return 1
}
start() {
	case $1 in
	postfix)
		start_postfix "$I"; wait_listen $PORT ;;
	deny|allow)
		conf "$1"
		: > "$T/ready"
		( exec "$PFJAIL" -f "$T/pfjail.conf" -c "$I/etc" supervise 9>"$T/ready" 2>>"$T/sv.log" ) &
		SV=$!
		wait_ready ;;
	esac
}
stop() {
	if [ -n "$SV" ]; then
		kill -TERM "$SV"; wait "$SV"; SV=
	else
		stop_postfix "$I"
	fi
}
# one run: messages per second, from the first connection to an empty queue
run() {
	local t0 t1
	t0=${EPOCHREALTIME/[.,]/}
	"$SOURCE" -s 20 -m "$N" -l 1024 -f bench@localhost -t root@localhost "127.0.0.1:$PORT" || return 1
	while ! queue_empty; do sleep 0.01; done
	t1=${EPOCHREALTIME/[.,]/}
	awk -v n="$N" -v us=$((t1 - t0)) 'BEGIN { printf "%.1f\n", n / (us / 1e6) }'
}

: > "$T/postfix"; : > "$T/deny"; : > "$T/allow"
hows=(postfix deny allow)
for r in $(seq 1 "$RUNS"); do
	# each takes every position in turn, so that none always runs on a warm or a cold machine
	order=("${hows[@]:$(( (r - 1) % 3 ))}" "${hows[@]:0:$(( (r - 1) % 3 ))}")
	for how in "${order[@]}"; do
		start $how || { echo "could not start Postfix ($how)" >&2; cat "$T/sv.log" >&2; exit 2; }
		run >> "$T/$how" || { echo "smtp-source failed ($how)" >&2; grep -i seccomp "$T/sv.log" >&2; exit 2; }
		if [ $how = deny ] && [ "$r" = 1 ]; then
			rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$SV/status")
			# what the supervisor costs the machine: its private pages (the
			# shared libraries' text is shared with every other process)
			priv=$(awk '/^Private_(Clean|Dirty):/ { s += $2 } END { print s }' "/proc/$SV/smaps_rollup")
			pss=$(awk '/^Pss:/ { print $2 }' "/proc/$SV/smaps_rollup")
			linked=$(ldd "$(readlink "/proc/$SV/exe")" 2>/dev/null | grep -c '=>')
			c0=$(awk '/ctxt_switches/ { s += $2 } END { print s }' "/proc/$SV/status")
			sleep 10
			c1=$(awk '/ctxt_switches/ { s += $2 } END { print s }' "/proc/$SV/status")
		fi
		stop
	done
done

# Throughput of a mode is all its messages over all its time (the harmonic
# mean of its runs); the rounds' rotating order spreads the machine's drift
# over the three modes alike.
rate() { awk -v n="$N" '{ t += n / $1; k++ } END { printf "%.1f", k * n / t }' "$T/$1"; }
pf=$(rate postfix); deny=$(rate deny); allow=$(rate allow)
status=0
printf '%-34s %12s %8s %8s\n' "Postfix started by" "messages/s" "ratio" "target"
printf '%-34s %12s %8s %8s\n' "postfix start" "$pf" "1" ""
for how in deny allow; do
	v=${!how}
	ratio=$(awk -v a="$v" -v b="$pf" 'BEGIN { printf "%.3f", a / b }')
	printf '%-34s %12s %8s %8s\n' "pfjail supervise (seccomp $how)" "$v" "$ratio" ">= 0.97"
	awk -v r="$ratio" 'BEGIN { exit !(r < 0.97) }' && status=1
done
printf 'supervisor private memory (Private_Clean + Private_Dirty): %s KiB (target <= 1024); Pss %s KiB; VmRSS %s KiB; %s shared libraries\n' \
	"$priv" "$pss" "$rss" "$linked"
[ "$priv" -le 1024 ] || status=1
printf 'supervisor context switches in 10 idle seconds (audit timer off): %s (target 0)\n' $((c1 - c0))
[ $((c1 - c0)) = 0 ] || status=1
echo "seccomp notifications logged during the runs: $(grep -c 'seccomp (' "$T/sv.log")"
echo "runs: $RUNS x $N messages, 20 sessions; every run: $(tr '\n' ' ' < "$T/postfix")| $(tr '\n' ' ' < "$T/deny")| $(tr '\n' ' ' < "$T/allow")"
exit $status
