/* proc.c: a child's order pipe (lg_proc_tell), as a serving agent's. */
#include "lg_test.h"

#include <poll.h>
#include <signal.h>

#include "leakgate/proc.h"

/* Everything the child writes to stdout, until it closes it. */
static void read_all(lg_proc *p, lg_buf *out)
{
	char chunk[4096];

	while (p->out_fd >= 0) {
		struct pollfd fd = { p->out_fd, POLLIN, 0 };
		size_t n;

		assert_true(poll(&fd, 1, 10000) > 0);
		if ((n = lg_proc_read_available(&p->out_fd, chunk, sizeof(chunk))) > 0)
			assert_lg_ok(lg_buf_add(out, chunk, n));
	}
}

static void test_orders_reach_the_child(void **state)
{
	/* The child copies two orders from fd 5 to stdout: its fds 3 and 4
	 * are taken too. */
	const char *argv[] = { "sh", "-c", "head -n 2 <&5", NULL };
	lg_proc p = LG_PROC_INIT;
	lg_buf out = LG_BUF_INIT;
	int given = dup(2);

	(void)state;
	p.argv = argv;
	p.control_fd = 5;
	p.given_fd = given;
	p.given_fd_at = 4;
	assert_lg_ok(lg_proc_start(&p));
	assert_lg_ok(lg_proc_tell(&p, "run\ttarget=x\n", 13));
	assert_lg_ok(lg_proc_tell(&p, "stop\n", 5));
	read_all(&p, &out);
	assert_lg_ok(lg_proc_finish(&p));
	assert_string_equal(lg_buf_cstr(&out), "run\ttarget=x\nstop\n");
	assert_true(WIFEXITED(p.status) && WEXITSTATUS(p.status) == 0);
	lg_buf_dispose(&out);
	close(given);
}

static void test_orders_to_a_dead_child_fail(void **state)
{
	const char *argv[] = { "true", NULL };
	lg_proc p = LG_PROC_INIT;
	sigset_t pending;

	(void)state;
	p.argv = argv;
	p.control_fd = 5;
	assert_lg_ok(lg_proc_start(&p));
	while (!lg_proc_poll(&p))
		usleep(1000);
	/* EPIPE as an error, not SIGPIPE for the caller (the default kills). */
	assert_int_equal(lg_proc_tell(&p, "go\n", 3), LG_EOS);
	assert_non_null(strstr(lg_error_last(), "orders"));
	assert_int_equal(sigpending(&pending), 0);
	assert_false(sigismember(&pending, SIGPIPE));
	/* Without an order pipe (closed by finish) there is nothing to tell. */
	assert_lg_ok(lg_proc_finish(&p));
	assert_int_equal(lg_proc_tell(&p, "go\n", 3), LG_EINVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_orders_reach_the_child),
		cmocka_unit_test(test_orders_to_a_dead_child_fail),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
