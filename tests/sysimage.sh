# sysimage.sh - booted Debian 12 system images for tests (sourced after
# lib.sh, not run).
#
# img_base builds (once, cached) a Debian 12 root directory with systemd
# and Postfix; img_copy copies it under $T; img_run runs a command in a
# copy without booting it; img_boot boots a copy with systemd-nspawn -b,
# sys_exec runs commands in the booted system, img_poweroff/img_reboot
# stop or restart it.  Only directories given to systemd-nspawn -D are
# ever booted; containers are stopped by PID, never by name.
#
# Call img_boot from the test's main shell, not from $(...) or a pipeline:
# the nspawn process must stay a child of the shell that cleans up.
# On a host whose /run is not a tmpfs, systemd-nspawn ends with a harmless
# 'Attempted to remove disk file system under "/run/systemd/nspawn/...'
# on stderr.
#
# Measured on 2 cores (ext3 disk, no reflinks): base build 40-50 s (250 MB),
# cached img_base 0.05 s, img_copy 1-2.4 s, boot to "running" 2-4 s,
# poweroff 0.3-0.5 s.

IMG_CACHE=${PFJAIL_IMAGE_CACHE:-/var/cache/pfjail-tests}
IMG_SUITE=bookworm
IMG_PACKAGES=systemd,systemd-sysv,dbus,postfix,swaks,procps,ssl-cert,libnet-ssleay-perl,libcap-ng0,libseccomp2,libconfig9,libssl3
# package.test's fleet part: Ansible (with python3-apt for its apt module)
# and node_exporter
IMG_PACKAGES=$IMG_PACKAGES,ansible-core,python3-apt,prometheus-node-exporter
# debconf answer needed before postfix's postinst runs: leave /etc/postfix
# without main.cf, the test writes its own
# shellcheck disable=SC2016 # $1 is mmdebstrap's, expanded by the hook
IMG_HOOK='echo "postfix postfix/main_mailer_type select No configuration" | chroot "$1" debconf-set-selections'
# bump to force a rebuild of cached images
IMG_VERSION=1
# seconds img_boot waits for the system to be up
IMG_BOOT_TIMEOUT=120

SYS_NSPAWN=
SYS_PID1=
SYS_PIDNS=
SYS_NAME=
SYS_CONSOLE=
SYS_BOOT_SECONDS=
SYS_POWEROFF_SECONDS=
_img_seq=0

# _img_now - print the time in seconds, with nanoseconds
_img_now() {
	date +%s.%N
}

# _img_since T0 - print the seconds elapsed since T0 (from _img_now)
_img_since() {
	awk -v a="$1" -v b="$(_img_now)" 'BEGIN { printf "%.2f\n", b - a }'
}

# _img_tail FILE - print FILE's last 30 lines indented, without CRs
_img_tail() {
	tail -n 30 "$1" | awk '{ sub(/\r+$/, ""); print "  " $0 }'
}

# _img_alive PID - true if PID exists and is not a zombie
_img_alive() {
	[ -r "/proc/$1/stat" ] || return 1
	[ "$(sed -n 's/.*) \(.\).*/\1/p' "/proc/$1/stat" 2>/dev/null)" != Z ]
}

# _img_wait_exit PID SECS - wait up to SECS for PID to end, then reap it
_img_wait_exit() {
	_we_end=$(($(date +%s) + $2))
	while _img_alive "$1"; do
		[ "$(date +%s)" -lt "$_we_end" ] || return 1
		sleep 0.1
	done
	wait "$1" 2>/dev/null
	return 0
}

# _img_ours PID NAME - true if PID is the systemd-nspawn running machine NAME
_img_ours() {
	[ "$(cat "/proc/$1/comm" 2>/dev/null)" = systemd-nspawn ] &&
		tr '\0' '\n' < "/proc/$1/cmdline" 2>/dev/null | grep -qx -- "$2"
}

# _img_kill_init PID PIDNS - SIGKILL a container's init (and so everything
# in its PID namespace) if PID still is the init of namespace PIDNS
_img_kill_init() {
	[ -n "$1" ] && [ -n "$2" ] || return 0
	[ "$(readlink "/proc/$1/ns/pid" 2>/dev/null)" = "$2" ] || return 0
	kill -9 "$1" 2>/dev/null
}

# _img_stop NSPAWN PID1 PIDNS NAME - end a container: SIGTERM to nspawn
# (a clean shutdown), SIGKILL to its init and nspawn after 30 s
_img_stop() {
	if _img_ours "$1" "$4"; then
		kill "$1" 2>/dev/null
		if ! _img_wait_exit "$1" 30; then
			echo "sysimage: container $4 ignored SIGTERM, killing it" >&2
			_img_kill_init "$2" "$3"
			_img_ours "$1" "$4" && kill -9 "$1" 2>/dev/null
			_img_wait_exit "$1" 10
		fi
	fi
	wait "$1" 2>/dev/null
	_img_kill_init "$2" "$3"
	return 0
}

# _img_rm DIR - rm -rf DIR, unless something is mounted inside it
_img_rm() {
	if awk -v d="$1" '$5 == d || index($5, d "/") == 1 { f = 1 } END { exit !f }' \
		/proc/self/mountinfo; then
		echo "sysimage: not removing $1: something is mounted in it" >&2
		return 1
	fi
	rm -rf --one-file-system "$1"
}

# img_archive_reachable - true if the Debian archive answers within 30 s
img_archive_reachable() {
	_ar_dir=$(mktemp -d) || return 1
	timeout 30 /usr/lib/apt/apt-helper -o APT::Sandbox::User=root \
		download-file "http://deb.debian.org/debian/dists/$IMG_SUITE/Release" \
		"$_ar_dir/Release" >/dev/null 2>&1
	_ar_rc=$?
	rm -rf "$_ar_dir"
	return $_ar_rc
}

# img_base - print the cached base image's root directory, building it
# first if needed; non-zero (and why, on stderr) if it cannot be built
img_base() {
	_b_key=$(printf '%s\n' "$IMG_VERSION" "$IMG_SUITE" "$IMG_PACKAGES" "$IMG_HOOK" |
		sha256sum | cut -c1-16)
	_b_dir=$IMG_CACHE/base-$_b_key
	if [ -d "$_b_dir" ]; then
		echo "$_b_dir"
		return 0
	fi
	mkdir -p "$IMG_CACHE" || return 1
	(
		flock -w 1800 9 || { echo "img_base: cannot lock $IMG_CACHE/lock" >&2; exit 1; }
		[ -d "$_b_dir" ] && exit 0
		# keep only the current image; tmp-* are builds that died
		for _b_old in "$IMG_CACHE"/base-* "$IMG_CACHE"/tmp-*; do
			[ -e "$_b_old" ] && _img_rm "$_b_old"
		done
		if ! img_archive_reachable; then
			echo "img_base: package archive cannot be reached" >&2
			exit 1
		fi
		_b_tmp=$IMG_CACHE/tmp-$_b_key.$$
		_b_t0=$(_img_now)
		echo "img_base: building $_b_dir (log in $IMG_CACHE/build.log)" >&2
		if mmdebstrap --variant=apt --include="$IMG_PACKAGES" \
			--essential-hook="$IMG_HOOK" "$IMG_SUITE" "$_b_tmp" \
			</dev/null >"$IMG_CACHE/build.log" 2>&1 &&
			mv -T "$_b_tmp" "$_b_dir"; then
			echo "img_base: built in $(_img_since "$_b_t0") s" >&2
			exit 0
		fi
		echo "img_base: mmdebstrap failed:" >&2
		_img_tail "$IMG_CACHE/build.log" >&2
		_img_rm "$_b_tmp"
		exit 1
	) 9>>"$IMG_CACHE/lock" || return 1
	echo "$_b_dir"
}

# img_copy BASE DEST - copy image BASE to the new directory DEST (1-2.4 s)
img_copy() {
	if [ -e "$2" ]; then
		echo "img_copy: $2 already exists" >&2
		return 1
	fi
	cp -a "$1" "$2"
}

# img_run IMG CMD... - run CMD in image IMG without booting it; stdin is
# passed on only if it is a pipe or a file
img_run() {
	_r_img=$1
	shift
	# -M: the default name, IMG's basename, may be shared by other images
	set -- systemd-nspawn -q -D "$_r_img" -M "pfjail-$$-run" --register=no \
		--keep-unit --timezone=off --resolv-conf=off --pipe "$@"
	if [ -p /dev/stdin ] || [ -f /dev/stdin ]; then
		"$@"
	else
		"$@" </dev/null
	fi
}

# sys_exec CMD... - run CMD in the booted system with a clean environment
sys_exec() {
	if [ -z "$SYS_PID1" ]; then
		echo "sys_exec: no system is booted" >&2
		return 1
	fi
	nsenter -t "$SYS_PID1" -a env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"
}

# img_boot IMG - boot IMG in the background, wait until it is up; sets
# SYS_NSPAWN, SYS_PID1, SYS_CONSOLE (its console log), SYS_BOOT_SECONDS
img_boot() {
	_bt_img=${1%/}
	if [ -n "$SYS_NSPAWN" ]; then
		echo "img_boot: a system is already booted" >&2
		return 1
	fi
	_img_seq=$((_img_seq + 1))
	SYS_NAME=pfjail-$$-$_img_seq
	SYS_CONSOLE=$_bt_img.console.log
	echo "=== boot $SYS_NAME" >>"$SYS_CONSOLE"
	_bt_t0=$(_img_now)
	# --console=read-only: passive loses the console output
	# --timezone=off, --resolv-conf=off: nspawn leaves /etc/localtime and
	# /etc/resolv.conf as the image has them, as a real boot would
	systemd-nspawn -q -D "$_bt_img" -M "$SYS_NAME" -b --register=no --keep-unit \
		--timezone=off --resolv-conf=off --private-network --console=read-only systemd.log_color=0 \
		</dev/null >>"$SYS_CONSOLE" 2>&1 &
	SYS_NSPAWN=$!
	SYS_PID1=
	SYS_PIDNS=
	# nspawn forks init as its direct child (the set-up child exits)
	_bt_end=$(($(date +%s) + 30))
	while [ -z "$SYS_PID1" ]; do
		SYS_PID1=$(ps -o pid= -o comm= --ppid "$SYS_NSPAWN" |
			awk '$2 == "systemd" { print $1; exit }')
		if ! _img_alive "$SYS_NSPAWN" || [ "$(date +%s)" -ge "$_bt_end" ]; then
			echo "img_boot: systemd-nspawn did not start $_bt_img; console:" >&2
			_img_tail "$SYS_CONSOLE" >&2
			_img_stop "$SYS_NSPAWN" "" "" "$SYS_NAME"
			SYS_NSPAWN=
			SYS_PID1=
			return 1
		fi
		[ -n "$SYS_PID1" ] || sleep 0.1
	done
	SYS_PIDNS=$(readlink "/proc/$SYS_PID1/ns/pid")
	at_exit "_img_stop $SYS_NSPAWN $SYS_PID1 '$SYS_PIDNS' $SYS_NAME"
	# is-system-running --wait fails at once while dbus is not up: poll
	_bt_end=$(($(date +%s) + IMG_BOOT_TIMEOUT))
	while :; do
		_bt_state=$(sys_exec systemctl is-system-running 2>/dev/null)
		case $_bt_state in
		running | degraded) break ;;
		esac
		if [ "$(date +%s)" -ge "$_bt_end" ] || ! _img_alive "$SYS_NSPAWN"; then
			echo "img_boot: $_bt_img not up after $IMG_BOOT_TIMEOUT s (state \"$_bt_state\"); console:" >&2
			_img_tail "$SYS_CONSOLE" >&2
			echo "img_boot: failed units:" >&2
			sys_exec systemctl --failed --no-pager >&2
			return 1
		fi
		sleep 0.2
	done
	SYS_BOOT_SECONDS=$(_img_since "$_bt_t0")
	echo "img_boot: $SYS_NAME $_bt_state after $SYS_BOOT_SECONDS s" >&2
}

# img_poweroff - shut the booted system down; SIGKILL it after 60 s
img_poweroff() {
	[ -n "$SYS_NSPAWN" ] || return 0
	_po_t0=$(_img_now)
	sys_exec systemctl poweroff >/dev/null 2>&1
	if ! _img_wait_exit "$SYS_NSPAWN" 60; then
		echo "img_poweroff: $SYS_NAME still up after 60 s, killing it" >&2
		_img_kill_init "$SYS_PID1" "$SYS_PIDNS"
		_img_ours "$SYS_NSPAWN" "$SYS_NAME" && kill -9 "$SYS_NSPAWN" 2>/dev/null
		_img_wait_exit "$SYS_NSPAWN" 10
	fi
	SYS_POWEROFF_SECONDS=$(_img_since "$_po_t0")
	SYS_NSPAWN=
	SYS_PID1=
	SYS_PIDNS=
}

# img_reboot IMG - power the booted system off and boot IMG again
img_reboot() {
	img_poweroff
	img_boot "$1"
}

# sys_unit_state UNIT - print UNIT's active state (active, failed, ...)
sys_unit_state() {
	sys_exec systemctl is-active "$1"
}

# sys_wait_active UNIT [SECS] - wait up to SECS (30) for UNIT to be active;
# fails at once if it failed
sys_wait_active() {
	_wa_end=$(($(date +%s) + ${2:-30}))
	while :; do
		_wa_state=$(sys_unit_state "$1" 2>/dev/null)
		case $_wa_state in
		active) return 0 ;;
		failed) break ;;
		esac
		[ "$(date +%s)" -lt "$_wa_end" ] || break
		sleep 0.2
	done
	echo "sys_wait_active: $1 is \"$_wa_state\"" >&2
	return 1
}

# sys_journal UNIT - print UNIT's journal for the current boot
sys_journal() {
	sys_exec journalctl -b -u "$1" --no-pager
}
