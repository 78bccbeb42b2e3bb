# default.profile - what Postfix's chrooted daemons need inside the jail.
#
# Read by pfjail build (to fill the jail) and by pfjail verify (to know
# what belongs there), so the two can never disagree.  Paths are as the
# host sees them; each is placed at the same path below the queue
# directory.  Syntax: libconfig, see pfjail.conf(5).
version = 1;

# Directories created in the jail (root-owned, 0755), as LINUX2 does.
directories = ["/etc", "/lib", "/usr/lib/zoneinfo"];

# Directories created only when the host has them.
host_directories = ["/lib64"];

# Host files copied into the jail.  The first candidate that exists is
# copied to `path`; a missing file is reported, and stops the build only
# when `required` is true.
files = (
	# glibc re-reads the zone after chroot; without it Received: and Date:
	# stamps are in UTC.  Same fallbacks as LINUX2.  A system without any
	# (minimal images, containers without tzdata) runs in UTC inside the
	# jail and out: the jail mirrors that, with a note instead of an error.
	{ path = "/etc/localtime";
	  candidates = ["/etc/localtime", "/usr/lib/zoneinfo/localtime",
			"/usr/share/zoneinfo/localtime"];
	  absent_note = "no local time zone on this system (no /etc/localtime): glibc uses UTC, inside the jail and out; the jail has no etc/localtime either"; },
	# "fatal: unknown service: smtp/tcp" without it.
	{ path = "/etc/services"; },
	# Name resolution inside the jail.
	{ path = "/etc/resolv.conf"; },
	{ path = "/etc/nsswitch.conf"; },
	{ path = "/etc/host.conf"; },
	{ path = "/etc/hosts"; },
	{ path = "/etc/nss_mdns.config"; quiet = true; }
);

# Symbolic links created in the jail.
symlinks = (
	{ path = "/usr/lib/zoneinfo/localtime"; target = "/etc/localtime";
	  only_with = "/etc/localtime"; }
);

# NSS databases Postfix looks up after chroot: the modules nsswitch.conf
# names for them are copied with their library dependencies.
nss_databases = ["hosts", "services", "passwd", "group", "protocols", "networks"];

# Libraries glibc loads at run time (libgcc_s: thread cancellation and
# unwinding), copied with their dependencies.
libraries = ["libgcc_s.so.1"];

# Device nodes (jail.devices in pfjail.conf turns them off).
devices = ["/dev/random", "/dev/urandom"];

# Postfix parameters naming CA directories read after chroot; copied with
# their subject-hash links.
ca_path_parameters = ["smtp_tls_CApath", "smtpd_tls_CApath"];

# What the distribution puts in the queue directory besides pfjail.  verify
# accepts it; build leaves it alone.  Files that do not exist on a system
# (an RPM system has no dpkg database) are skipped.
#
# Directories the postfix package ships inside the jail (Debian:
# dev, etc, lib, usr, usr/lib, usr/lib/sasl2, usr/lib/zoneinfo).  What is
# planted inside them is still "unexpected".
package_lists = ["/var/lib/dpkg/info/postfix.list"];

# Owners and modes registered with dpkg-statoverride (Debian's postinst:
# "postfix postdrop 02710 /var/spool/postfix/public").
owner_overrides = ["/var/lib/dpkg/statoverride"];

# Modes the package's scripts set beyond postfix-files (Debian's postinst
# runs "chmod 1730" on maildrop).
queue_modes = (
	{ directory = "maildrop"; mode = "1730";
	  if_exists = "/var/lib/dpkg/info/postfix.list"; }
);

# Empty flag files maintainer scripts create and remove at the jail's top
# (Debian's postfix.config, preinst and postinst).
flag_files = ["restart", "reload", "mydomain-upgrade"];

# What Debian's /usr/lib/postfix/configure-instance.sh copies into the jail
# by glob before every start ("lib{gcc_s,nss,resolv}*.so*" from /lib/* and
# /lib, which also drags in Mozilla NSS).  "pfjail build --take-over"
# removes those copies that are byte for byte the host's file (or the same
# symbolic link) and that pfjail does not place itself; anything else
# matching is reported and left alone.
takeover_patterns = [
	"/lib/*/libgcc_s*.so*", "/lib/*/libnss*.so*", "/lib/*/libresolv*.so*",
	"/lib/libgcc_s*.so*", "/lib/libnss*.so*", "/lib/libresolv*.so*"
];
# ... and the symbolic link it makes whether or not the host has a local
# time zone (dangling without /etc/localtime).
takeover_links = (
	{ path = "/usr/lib/zoneinfo/localtime"; target = "/etc/localtime"; }
);
