#!/bin/sh
# quickstart.sh - show pfjail build on a scratch Postfix instance.
#
# Creates a throwaway Postfix configuration directory (Debian's default
# master.cf, its own queue directory) in a temporary directory, shows what
# pfjail build would change, builds, shows what Postfix now reads, and
# removes everything.  The machine's own /etc/postfix is never touched.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
pfjail=${PFJAIL:-$here/src/pfjail}
dist=/usr/share/postfix/master.cf.dist

[ -x "$pfjail" ] || { echo "build pfjail first: ./autogen.sh && ./configure && make" >&2; exit 2; }
[ -r "$dist" ] || dist=$(postconf -dh config_directory)/master.cf
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pfjail-quickstart.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

mkdir "$tmp/etc" "$tmp/spool"
cat > "$tmp/etc/main.cf" <<MAIN
compatibility_level = 3.6
myhostname = quickstart.localdomain
queue_directory = $tmp/spool
MAIN
cp "$dist" "$tmp/etc/master.cf"

echo "== scratch instance: $tmp/etc (master.cf from $dist)"
echo "== pfjail -n build: what would change"
"$pfjail" -f /dev/null -c "$tmp/etc" -n build || [ $? = 1 ]
echo
echo "== pfjail build"
"$pfjail" -f /dev/null -c "$tmp/etc" build
echo
echo "== postconf -F '*/*/chroot' now says"
postconf -c "$tmp/etc" -F '*/*/chroot'
echo
echo "== pfjail build again: nothing to change"
"$pfjail" -f /dev/null -c "$tmp/etc" build
