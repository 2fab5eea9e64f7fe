/*
 * README.md's list of system packages ("### System packages") is what
 * ci/install-deps.sh installs, set by set: the second cell of each row of
 * its table names the packages a set adds to the one before, and
 * `install-deps.sh --list SET` prints a set's whole list.
 */
#include "lg_test.h"

#include <stdio.h>

#define MAX_PACKAGES 64
#define NAME_SIZE 64

typedef struct {
	char names[MAX_PACKAGES][NAME_SIZE];
	size_t count;
} package_list;

static void add(package_list *l, const char *name, size_t len)
{
	assert_true(len > 0 && len < NAME_SIZE);
	assert_true(l->count < MAX_PACKAGES);
	memcpy(l->names[l->count], name, len);
	l->names[l->count++][len] = '\0';
}

static int by_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* The list sorted, one a line, for a readable failure. */
static void text_of(char *out, size_t size, package_list *l)
{
	size_t n = 0;

	qsort(l->names, l->count, NAME_SIZE, by_name);
	out[0] = '\0';
	for (size_t i = 0; i < l->count; i++)
		n += (size_t)snprintf(out + n, n < size ? size - n : 0, "%s\n", l->names[i]);
	assert_true(n < size);
}

/* What `ci/install-deps.sh --list set` prints. */
static void script_list(package_list *out, const char *set)
{
	char command[512], line[NAME_SIZE + 2];
	FILE *p;

	snprintf(command, sizeof(command), "sh '%s/ci/install-deps.sh' --list %s",
		 LG_SOURCE_DIR, set);
	p = popen(command, "r");
	assert_non_null(p);
	out->count = 0;
	while (fgets(line, sizeof(line), p))
		add(out, line, strcspn(line, "\n"));
	assert_int_equal(pclose(p), 0);
}

static void test_readme_lists_every_package(void **state)
{
	char *readme = lg_test_slurp(LG_SOURCE_DIR "/README.md");
	const char *section = strstr(readme, "\n### System packages\n");
	const char *end, *line, *next;
	package_list want = { .count = 0 }, got;
	char want_text[4096], got_text[4096], set[NAME_SIZE];
	int sets = 0;

	(void)state;
	assert_non_null(section);
	section++;
	end = strstr(section + 1, "\n#");
	if (!end)
		end = section + strlen(section);
	/* "| `SET` | `pkg` `pkg` and words |": the set, then its packages. */
	for (line = section; line < end; line = next) {
		const char *eol = strchr(line, '\n'), *tick, *cell_end;
		size_t len;

		next = eol ? eol + 1 : end;
		if (strncmp(line, "| `", 3) != 0)
			continue;
		len = strcspn(line + 3, "`");
		assert_true(len < sizeof(set));
		memcpy(set, line + 3, len);
		set[len] = '\0';
		/* The second cell: the packages (the third says what for). */
		tick = strchr(line + 3 + len, '|');
		assert_non_null(tick);
		cell_end = strchr(tick + 1, '|');
		assert_true(cell_end && cell_end < next);
		while ((tick = strchr(tick, '`')) && tick < cell_end) {
			len = strcspn(tick + 1, "`");
			add(&want, tick + 1, len);
			tick += len + 2;
		}
		script_list(&got, set);
		{
			package_list copy = want;

			text_of(want_text, sizeof(want_text), &copy);
		}
		text_of(got_text, sizeof(got_text), &got);
		if (strcmp(want_text, got_text) != 0)
			print_error("set %s: README.md lists\n%sinstall-deps.sh installs\n%s",
				    set, want_text, got_text);
		assert_string_equal(want_text, got_text);
		sets++;
	}
	/* run, build, test, bench */
	assert_int_equal(sets, 4);
	free(readme);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_readme_lists_every_package),
	};

	return cmocka_run_group_tests_name("install_deps", tests, NULL, NULL);
}
