/* The agent as the binary carries it: the embedded modules, and the
 * memory file a child reads them from. */
#include "lg_test.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "leakgate/agent_bundle.h"

/* What the bootstrap reads from fd 4: every module of src/agent/, boot
 * first, each once. */
static void test_agent_modules(void **state)
{
	static const char *const wanted[] = { "agent", "common", "explain" };
	size_t n = 0;

	(void)state;
	assert_string_equal(lg_agent_modules[0].name, "boot");
	for (const lg_agent_module *m = lg_agent_modules; m->name; m++, n++) {
		assert_true(strlen(m->source) > 100);
		for (const lg_agent_module *o = lg_agent_modules; o != m; o++)
			assert_string_not_equal(o->name, m->name);
	}
	for (size_t i = 0; i < sizeof(wanted) / sizeof(*wanted); i++) {
		const lg_agent_module *m = lg_agent_modules;

		while (m->name && strcmp(m->name, wanted[i]) != 0)
			m++;
		assert_non_null(m->name);
	}
	assert_true(n >= 4);
}

/* name NUL source NUL ..., in the table's order, close-on-exec; what the
 * bootstrap splits. */
static void test_modules_file(void **state)
{
	char error[256] = "";
	size_t total = 0, at = 0;
	struct stat st;
	char *text;
	int fd;

	(void)state;
	fd = lg_agent_modules_open(error, sizeof(error));
	assert_true(fd >= 0);
	assert_string_equal(error, "");
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	for (const lg_agent_module *m = lg_agent_modules; m->name; m++)
		total += strlen(m->name) + strlen(m->source) + 2;
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal((size_t)st.st_size, total);
	text = malloc(total);
	assert_non_null(text);
	assert_int_equal(pread(fd, text, total, 0), (ssize_t)total);
	for (const lg_agent_module *m = lg_agent_modules; m->name; m++) {
		assert_string_equal(text + at, m->name);
		at += strlen(m->name) + 1;
		assert_string_equal(text + at, m->source);
		at += strlen(m->source) + 1;
	}
	assert_int_equal(at, total);
	free(text);
	close(fd);
}

/* The bootstrap reads fd 4 and runs boot.py's boot() on what it read. */
static void test_bootstrap(void **state)
{
	(void)state;
	assert_non_null(strstr(lg_agent_bootstrap(), "os.pread(4,"));
	assert_non_null(strstr(lg_agent_bootstrap(), "g['boot'](b)"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_agent_modules),
		cmocka_unit_test(test_modules_file),
		cmocka_unit_test(test_bootstrap),
	};

	return cmocka_run_group_tests_name("agent_bundle", tests, NULL, NULL);
}
