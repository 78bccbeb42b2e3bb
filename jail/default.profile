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
	# stamps are in UTC.  Same fallbacks as LINUX2.
	{ path = "/etc/localtime";
	  candidates = ["/etc/localtime", "/usr/lib/zoneinfo/localtime",
			"/usr/share/zoneinfo/localtime"];
	  required = true; },
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
	{ path = "/usr/lib/zoneinfo/localtime"; target = "/etc/localtime"; }
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
