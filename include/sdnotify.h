/* sdnotify.h - the service manager's readiness protocol, without libsystemd. */
#ifndef PFJ_SDNOTIFY_H
#define PFJ_SDNOTIFY_H

/*
 * Send state (e.g. "READY=1\nSTATUS=...") to $NOTIFY_SOCKET, a path or an
 * abstract socket ("@name").  Returns 1 when sent, 0 when no service
 * manager asked for it (no NOTIFY_SOCKET), -errno on failure.
 */
int pfj_sd_notify(const char *state);

/* Like pfj_sd_notify, to an explicit socket address (for tests and callers that saved it). */
int pfj_sd_notify_to(const char *socket_path, const char *state);

#endif
