# lib.sh - shared helpers for pfjail's shell tests (sourced, not run).
#
# Each test gets its own temp dir, removed on exit; root-only tests call
# require_root and are skipped (exit 77) for ordinary users.

set -u

: "${PFJAIL:?run the tests through make check}"
: "${top_srcdir:?run the tests through make check}"
# make distcheck's srcdir is reached through ".."; pfjail.conf wants clean paths
top_srcdir=$(cd "$top_srcdir" && pwd -P)

T=$(mktemp -d "${TMPDIR:-/tmp}/pfjail-test.XXXXXX")
PFJ_CLEANUP=""
cleanup() {
	status=$?
	eval "$PFJ_CLEANUP"
	rm -rf "$T"
	exit $status
}
trap cleanup EXIT INT TERM

npass=0
nfail=0

# at_exit CMD - run CMD when the test ends (last registered runs first)
at_exit() {
	PFJ_CLEANUP="$1; $PFJ_CLEANUP"
}

skip() {
	echo "SKIP: $*"
	exit 77
}

require_root() {
	[ "$(id -u)" = 0 ] || skip "needs root"
}

ok() {
	npass=$((npass + 1))
	echo "ok: $*"
}

fail() {
	nfail=$((nfail + 1))
	echo "FAIL: $*"
}

# expect_status WANT LABEL CMD... - run CMD, compare its exit status
expect_status() {
	want=$1
	label=$2
	shift 2
	"$@" >"$T/out" 2>"$T/err"
	got=$?
	if [ "$got" = "$want" ]; then
		ok "$label (status $got)"
	else
		fail "$label: status $got, want $want"
		sed 's/^/  stdout: /' "$T/out"
		sed 's/^/  stderr: /' "$T/err"
	fi
}

# expect_grep PATTERN FILE LABEL - FILE must contain the fixed string
expect_grep() {
	if grep -qF -- "$1" "$2"; then
		ok "$3"
	else
		fail "$3: \"$1\" not in $(basename "$2")"
		sed 's/^/  | /' "$2"
	fi
}

finish() {
	echo "$npass passed, $nfail failed"
	[ "$nfail" = 0 ]
}

# make_image DIR - a minimal system image for -R tests: etc files (with
# /etc/localtime an absolute symlink, as on real systems), libc and
# libgcc_s, and an empty /var/spool/postfix.
make_image() {
	_img=$1
	mkdir -p "$_img/etc/postfix" "$_img/var/spool/postfix" "$_img/usr/share/zoneinfo/Etc"
	chmod 755 "$_img" "$_img/var" "$_img/var/spool" "$_img/var/spool/postfix"
	cp /etc/services /etc/hosts "$_img/etc/"
	printf 'hosts: files dns\npasswd: files\ngroup: files\nservices: files\n' > "$_img/etc/nsswitch.conf"
	cp -L /etc/localtime "$_img/usr/share/zoneinfo/Etc/UTC"
	ln -s /usr/share/zoneinfo/Etc/UTC "$_img/etc/localtime"
	for _lib in /lib/*/libc.so.6 /lib/*/libgcc_s.so.1 /lib64/ld-linux*.so.* /lib/ld-linux*.so.*; do
		[ -e "$_lib" ] || continue
		mkdir -p "$_img$(dirname "$_lib")"
		cp -L "$_lib" "$_img$_lib"
	done
	printf 'compatibility_level = 3.6\nmyhostname = image.localdomain\nqueue_directory = /var/spool/postfix\n' \
		> "$_img/etc/postfix/main.cf"
}
