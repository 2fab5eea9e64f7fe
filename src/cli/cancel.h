#ifndef LEAKGATE_CANCEL_H
#define LEAKGATE_CANCEL_H

/*
 * Cancelling a run from outside (a CI job cancelled or timed out, Ctrl-C,
 * a closed terminal): SIGTERM, SIGINT and SIGHUP become one byte, the
 * signal's number, on a self-pipe whose read end the runner polls with its
 * children (lg_runner_options.cancel_fd), so that ending the run is one
 * more event of its loop. The handler does nothing else the first time. A
 * second signal, for when the first did not end the run soon enough,
 * SIGKILLs every child's process group (lg_proc_kill_all) and exits at once
 * with 128 + the signal's number. Part of the command layer.
 */

/* Install the handlers; *fd_out is the pipe's read end (nonblocking). */
int lg_cancel_install(int *fd_out);

/* The first signal received since install, 0 when none. */
int lg_cancel_received(void);

/* Put the previous handlers back and close the pipe. */
void lg_cancel_uninstall(void);

#endif
