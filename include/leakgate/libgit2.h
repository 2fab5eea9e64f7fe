#ifndef LEAKGATE_LIBGIT2_H
#define LEAKGATE_LIBGIT2_H

/*
 * libgit2 is started on first use, not when leakgate starts: its global
 * init loads the system's CA certificates (a build with mbedTLS, Debian's:
 * about 15 ms of CPU), which a run without a configuration file or a
 * baseline never needs. Every module calls lg_libgit2_start() before its
 * first libgit2 call; main calls lg_libgit2_stop() once at the end.
 */

/* Starts libgit2 once (later calls do nothing): 0, or LG_ERROR with
 * libgit2's message. */
int lg_libgit2_start(void);

/* Shuts libgit2 down if lg_libgit2_start started it. */
void lg_libgit2_stop(void);

#endif
