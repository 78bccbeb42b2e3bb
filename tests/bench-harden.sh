#!/bin/bash
# bench-harden.sh - how fast pfjail harden is on a Debian default instance,
# measured in one run against the peer its target names.
#
#   tests/bench-harden.sh [RUNS]     (as root; default 21 runs)
#
# The instance is what Debian's postinst writes for "Internet Site"
# (main.cf.debian, main.cf.tls, the postinst's answers; master.cf.dist),
# in a scratch directory with its own queue and data directories and a
# certificate of its own; its jail is built, so that the audit's verify
# has a jail to check.  Nothing is started but the probe's private copy.
#
# 1. The offline audit, the command line users type (pfjail harden),
#    against one `postconf -x` run, paired A B A B: median ratio, target
#    <= 3.
# 2. pfjail harden --probe: median of 5, target <= 5 s.
# Exit 1 if a target is missed.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
PFJAIL=${PFJAIL:-$here/src/pfjail}
RUNS=${1:-21}
[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 2; }
[ -x "$PFJAIL" ] || { echo "build pfjail first" >&2; exit 2; }
[ -r /usr/share/postfix/main.cf.debian ] || { echo "needs Debian's postfix package" >&2; exit 2; }

T=$(mktemp -d "${TMPDIR:-/tmp}/pfjail-bench.XXXXXX")
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT INT TERM
chmod 755 "$T"
status=0

now() { local t=${EPOCHREALTIME/[.,]/}; REPLY=$((t * 1000)); }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ms() { awk -v ns="$1" 'BEGIN { printf "%.1f", ns / 1e6 }'; }

D=$T/pf
mkdir -p "$D/etc" "$D/spool" "$D/data"
chown postfix "$D/data"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$D/etc/key.pem" -out "$D/etc/cert.pem" \
	-subj /CN=bench.example -days 30 >/dev/null 2>&1
{
	cat /usr/share/postfix/main.cf.debian /usr/share/postfix/main.cf.tls
	cat <<MAIN
smtpd_relay_restrictions = permit_mynetworks permit_sasl_authenticated defer_unauth_destination
myhostname = bench.example
alias_maps = hash:$D/etc/aliases
alias_database = hash:$D/etc/aliases
myorigin = bench.example
mydestination = \$myhostname, bench.example, localhost.localdomain, localhost
relayhost =
mynetworks = 127.0.0.0/8 [::ffff:127.0.0.0]/104 [::1]/128
mailbox_size_limit = 0
recipient_delimiter = +
inet_interfaces = all
inet_protocols = all
queue_directory = $D/spool
data_directory = $D/data
MAIN
} | sed -e "s|^smtpd_tls_cert_file=.*|smtpd_tls_cert_file=$D/etc/cert.pem|" \
	-e "s|^smtpd_tls_key_file=.*|smtpd_tls_key_file=$D/etc/key.pem|" > "$D/etc/main.cf"
cp /usr/share/postfix/master.cf.dist "$D/etc/master.cf"
printf 'postmaster: root\nroot: nobody\n' > "$D/etc/aliases"
postalias -c "$D/etc" "$D/etc/aliases"
touch -d '-1 hour' "$D/etc/main.cf" "$D/etc/master.cf"
cat > "$T/pfjail.conf" <<CONF
state_dir = "$T/state";
jail = { profile_dir = "$here/jail"; };
supervise = { seccomp_policy_dir = "$here/conf"; };
CONF
pf() { "$PFJAIL" -f "$T/pfjail.conf" -c "$D/etc" "$@"; }

# pair LABEL [TARGET] - postconf -x and pfjail harden, A B A B; prints the row,
# and with TARGET (a ratio) returns 1 when it is missed
pair() {
	pf harden >/dev/null 2>&1
	postconf -c "$D/etc" -x >/dev/null 2>&1
	: > "$T/a"; : > "$T/b"
	for i in $(seq 1 "$RUNS"); do
		now; t0=$REPLY; postconf -c "$D/etc" -x >/dev/null 2>&1; now; t1=$REPLY
		echo $((t1 - t0)) >> "$T/a"
		now; t0=$REPLY; pf harden >/dev/null 2>&1; now; t1=$REPLY
		echo $((t1 - t0)) >> "$T/b"
	done
	a=$(median < "$T/a"); b=$(median < "$T/b")
	r=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", b / a }')
	v=$(awk -v r="$r" -v t="${2:-0}" 'BEGIN { print (t == 0) ? "" : (r <= t) ? "ok" : "MISSED" }')
	nfail=$(pf --json harden 2>/dev/null | grep -o '"status":"fail"' | wc -l)
	printf '%s (%s failed checks), median of %s paired runs:\n' "$1" "$nfail" "$RUNS"
	printf '  postconf -x        %7s ms\n' "$(ms "$a")"
	printf '  pfjail harden      %7s ms  ratio %s%s\n' "$(ms "$b")" "$r" "${2:+, target <= $2: $v}"
	[ "$v" != MISSED ]
}

# --- 1. offline audit against postconf -x ---------------------------------------
# as Debian installs it: the jail is Debian's script's, pfjail never built it
pair "Debian default instance, as installed" 3 || status=1
# after pfjail build: the audit's verify hashes the whole jail (reported, not a target)
pf -q build --no-reload >/dev/null 2>&1 || { echo "build failed" >&2; exit 2; }
pf -q verify || { echo "jail not clean" >&2; exit 2; }
pair "The same after pfjail build (verify hashes the jail; no target)"

# --- 2. --probe -----------------------------------------------------------------------
: > "$T/p"
for i in 1 2 3 4 5; do
	now; t0=$REPLY; pf harden --probe >/dev/null 2>"$T/probe.err"; st=$?; now; t1=$REPLY
	[ $st -le 1 ] || { echo "harden --probe failed ($st): $(cat "$T/probe.err")" >&2; exit 2; }
	echo $((t1 - t0)) >> "$T/p"
done
p=$(median < "$T/p")
v=$(awk -v p="$p" 'BEGIN { print (p <= 5e9) ? "ok" : "MISSED" }')
[ "$v" = ok ] || status=1
nlive=$(pf --json harden --probe 2>/dev/null | grep -o '"live":true' | wc -l)
printf '  pfjail harden --probe %7s ms (median of 5, %s live results), target <= 5000 ms: %s\n' \
	"$(ms "$p")" "$nlive" "$v"
exit $status
