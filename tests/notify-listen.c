/*
 * notify-listen.c - stand in for systemd's notification socket in
 * tests/supervise.test: bind a datagram socket at argv[1] and write every
 * datagram received to stdout, one per line ('\n' inside shown as '|'),
 * until one contains argv[2] or argv[3] seconds pass.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char *argv[])
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, seconds;

	if (argc != 4 || strlen(argv[1]) >= sizeof(sa.sun_path))
		return 2;
	seconds = atoi(argv[3]);
	strcpy(sa.sun_path, argv[1]);
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return 2;
	printf("listening\n");
	fflush(stdout);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		char buf[1024];
		ssize_t n;

		if (poll(&p, 1, seconds * 1000) <= 0)
			return 1;
		n = recv(fd, buf, sizeof(buf) - 1, 0);
		if (n < 0)
			return 2;
		buf[n] = '\0';
		for (char *c = buf; *c; c++)
			if (*c == '\n')
				*c = '|';
		printf("%s\n", buf);
		fflush(stdout);
		if (strstr(buf, argv[2]))
			return 0;
	}
}
