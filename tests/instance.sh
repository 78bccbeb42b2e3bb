# instance.sh - a scratch Postfix instance for tests (sourced, not run).
#
# new_postfix DIR PORT creates DIR/etc (main.cf, master.cf with chroot "n"
# everywhere), DIR/spool (the queue directory and jail), DIR/data,
# DIR/log/maillog and DIR/mail (mailboxes), listening on 127.0.0.1:PORT
# only.  start_postfix / stop_postfix start and stop it; stop_postfix
# makes sure master's process group is gone, by PID.

new_postfix() {
	_d=$1 _port=$2
	mkdir -p "$_d/etc" "$_d/spool" "$_d/data" "$_d/log" "$_d/mail"
	chmod 755 "$_d" "$_d/spool"
	chmod 1777 "$_d/mail"
	chown postfix "$_d/data"
	cat > "$_d/etc/main.cf" <<MAIN
compatibility_level = 3.6
queue_directory = $_d/spool
data_directory = $_d/data
myhostname = pfjail-test.localdomain
mydomain = localdomain
mydestination = localhost, pfjail-test.localdomain
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
maillog_file = $_d/log/maillog
maillog_file_prefixes = $_d
mail_spool_directory = $_d/mail
alias_maps =
alias_database =
biff = no
MAIN
	cat > "$_d/etc/master.cf" <<MASTER
127.0.0.1:$_port inet n - n - - smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
MASTER
}

start_postfix() {
	env -u TZ postfix -c "$1/etc" start >/dev/null 2>&1
}

# master_pid DIR - from the pid file master locks
master_pid() {
	sed -n '1s/[^0-9]//gp' "$1/spool/pid/master.pid" 2>/dev/null
}

stop_postfix() {
	_pid=$(master_pid "$1")
	postfix -c "$1/etc" stop >/dev/null 2>&1
	if [ -n "$_pid" ]; then
		for _i in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$_pid" 2>/dev/null || break
			sleep 0.5
		done
		# master leads its own process group: end whatever is left of it
		kill -KILL -- "-$_pid" 2>/dev/null
	fi
	return 0
}

# wait_listen PORT - until something accepts on 127.0.0.1:PORT (10 s)
wait_listen() {
	for _i in $(seq 1 50); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.2
	done
	return 1
}

# smtp_send PORT RCPT SUBJECT - one message over SMTP; the transcript on stdout
smtp_send() {
	exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1
	read -r _l <&3; echo "< $_l"
	for _c in "HELO localhost" "MAIL FROM:<root@localhost>" "RCPT TO:<$2>" "DATA"; do
		printf '%s\r\n' "$_c" >&3
		read -r _l <&3; echo "< $_l"
	done
	printf 'Subject: %s\r\n\r\nhello from the pfjail tests\r\n.\r\n' "$3" >&3
	read -r _l <&3; echo "< $_l"
	printf 'QUIT\r\n' >&3
	read -r _l <&3; echo "< $_l"
	exec 3>&-
}
