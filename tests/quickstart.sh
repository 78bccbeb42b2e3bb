#!/bin/sh
# quickstart.sh - show pfjail build on a scratch Postfix instance.
#
# Creates a throwaway Postfix configuration directory (Debian's default
# master.cf, its own queue directory) in a temporary directory, shows what
# pfjail build would change, builds (master.cf's chroot column and the
# jail), shows what Postfix now reads and what the jail holds, and removes
# everything.  Run as root: the jail must be root-owned.  The machine's own
# /etc/postfix and /var/spool/postfix are never touched.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
pfjail=${PFJAIL:-$here/src/pfjail}
dist=/usr/share/postfix/master.cf.dist

[ -x "$pfjail" ] || { echo "build pfjail first: ./autogen.sh && ./configure && make" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "run as root: the jail pfjail builds must be owned by root" >&2; exit 2; }
[ -r "$dist" ] || dist=$(postconf -dh config_directory)/master.cf
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pfjail-quickstart.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

mkdir "$tmp/etc" "$tmp/spool"
chmod 755 "$tmp" "$tmp/spool"
# pfjail's own state and the profile from this source tree, not the system's
cat > "$tmp/pfjail.conf" <<CONF
state_dir = "$tmp/state";
jail = { profile_dir = "$here/jail"; };
CONF
cat > "$tmp/etc/main.cf" <<MAIN
compatibility_level = 3.6
myhostname = quickstart.localdomain
queue_directory = $tmp/spool
MAIN
cp "$dist" "$tmp/etc/master.cf"

echo "== scratch instance: $tmp/etc (master.cf from $dist)"
echo "== pfjail -n build: what would change"
"$pfjail" -f "$tmp/pfjail.conf" -c "$tmp/etc" -n build || [ $? = 1 ]
echo
echo "== pfjail build"
"$pfjail" -f "$tmp/pfjail.conf" -c "$tmp/etc" build
echo
echo "== postconf -F '*/*/chroot' now says"
postconf -c "$tmp/etc" -F '*/*/chroot'
echo
echo "== the jail ($tmp/spool)"
find "$tmp/spool" -mindepth 1 | sed "s|$tmp/spool/||" | sort
echo
echo "== pfjail build again: nothing to change"
"$pfjail" -f "$tmp/pfjail.conf" -c "$tmp/etc" build
