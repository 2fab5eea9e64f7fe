#include "cancel.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "leakgate/error.h"
#include "leakgate/proc.h"

static const int cancel_signals[] = { SIGTERM, SIGINT, SIGHUP };
#define CANCEL_SIGNALS (sizeof(cancel_signals) / sizeof(*cancel_signals))

static struct sigaction previous[CANCEL_SIGNALS];
static int pipe_fds[2] = { -1, -1 };
static volatile sig_atomic_t received;

/* Async-signal-safe calls only: write, kill (in lg_proc_kill_all), _exit. */
static void on_signal(int signo)
{
	unsigned char byte = (unsigned char)signo;
	int saved = errno;

	if (received) {
		lg_proc_kill_all();
		_exit(128 + signo);
	}
	received = signo;
	if (write(pipe_fds[1], &byte, 1) < 0) {
		/* Nonblocking: a full pipe already says "cancel". */
	}
	errno = saved;
}

int lg_cancel_install(int *fd_out)
{
	struct sigaction sa;

	if (pipe2(pipe_fds, O_CLOEXEC | O_NONBLOCK) < 0)
		return lg_error_set_os("cannot create the signal pipe");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < CANCEL_SIGNALS; i++)
		sigaddset(&sa.sa_mask, cancel_signals[i]);
	/* Restarted: stdio and waitpid go on; poll still wakes (EINTR). */
	sa.sa_flags = SA_RESTART;
	received = 0;
	for (size_t i = 0; i < CANCEL_SIGNALS; i++)
		sigaction(cancel_signals[i], &sa, &previous[i]);
	*fd_out = pipe_fds[0];
	return 0;
}

int lg_cancel_received(void)
{
	return received;
}

void lg_cancel_uninstall(void)
{
	if (pipe_fds[0] < 0)
		return;
	for (size_t i = 0; i < CANCEL_SIGNALS; i++)
		sigaction(cancel_signals[i], &previous[i], NULL);
	close(pipe_fds[0]);
	close(pipe_fds[1]);
	pipe_fds[0] = pipe_fds[1] = -1;
}
