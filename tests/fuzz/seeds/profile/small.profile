# a jail profile in the form of jail/default.profile
version = 1;
directories = ["/etc", "/lib", "/usr/lib/zoneinfo"];
host_directories = ["/lib64"];
files = (
	{ path = "/etc/localtime";
	  candidates = ["/etc/localtime", "/usr/share/zoneinfo/localtime"];
	  absent_note = "no local time zone"; },
	{ path = "/etc/services"; required = true; },
	{ path = "/etc/nss_mdns.config"; quiet = true; }
);
symlinks = (
	{ path = "/usr/lib/zoneinfo/localtime"; target = "/etc/localtime";
	  only_with = "/etc/localtime"; }
);
nss_databases = ["hosts", "services", "passwd"];
libraries = ["libgcc_s.so.1"];
devices = ["/dev/random", "/dev/urandom"];
ca_path_parameters = ["smtp_tls_CApath"];
package_lists = ["/var/lib/dpkg/info/postfix.list"];
owner_overrides = ["/var/lib/dpkg/statoverride"];
queue_modes = (
	{ directory = "maildrop"; mode = "1730";
	  if_exists = "/var/lib/dpkg/info/postfix.list"; }
);
flag_files = ["restart", "reload"];
takeover_patterns = ["/etc/host.conf", "/lib/*/libnss_*"];
takeover_links = ( { path = "/lib64"; target = "/usr/lib64"; } );
