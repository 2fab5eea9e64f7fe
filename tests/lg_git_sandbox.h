#ifndef LG_GIT_SANDBOX_H
#define LG_GIT_SANDBOX_H

/*
 * A fresh temporary git repository per test, built with the git command
 * (include after lg_test.h; the group runs lg_test_libgit2_setup):
 *   main:    first - A - C
 *   feature:         A - B   (checked out)
 * Commits are a second apart, so that dates order them as git would.
 */
#include <unistd.h>

typedef struct {
	char dir[64];
	char cwd[4096];
	char first[41], a[41], b[41], c[41]; /* main: first - A - C; feature: A - B */
} sandbox;

static inline void rev_parse(char *out, const char *rev)
{
	char cmd[256];
	FILE *p;

	snprintf(cmd, sizeof(cmd), "git rev-parse '%s'", rev);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_non_null(fgets(out, 41, p));
	assert_int_equal(pclose(p), 0);
}

/* A commit of a new file `name`, `when` seconds after the first. */
static inline void commit_file(const char *name, int when)
{
	lg_test_sh("echo %s > %s && git add %s && GIT_COMMITTER_DATE='%d +0000' "
	   "GIT_AUTHOR_DATE='%d +0000' git commit -q -m %s", name, name, name,
	   1700000000 + when, 1700000000 + when, name);
}

static inline int setup(void **state)
{
	static sandbox s;

	memset(&s, 0, sizeof(s));
	strcpy(s.dir, "/tmp/lg-git-XXXXXX");
	if (!getcwd(s.cwd, sizeof(s.cwd)) || !mkdtemp(s.dir) || chdir(s.dir) < 0)
		return -1;
	lg_test_sh("git init -q -b main .");
	commit_file("first", 0);
	commit_file("A", 1);
	lg_test_sh("git checkout -q -b feature");
	commit_file("B", 2);
	lg_test_sh("git checkout -q main");
	commit_file("C", 3);
	lg_test_sh("git checkout -q feature");
	rev_parse(s.first, "main~2");
	rev_parse(s.a, "main~1");
	rev_parse(s.b, "feature");
	rev_parse(s.c, "main");
	lg_error_clear();
	*state = &s;
	return 0;
}

static inline int teardown(void **state)
{
	sandbox *s = *state;
	char cmd[128];

	if (chdir(s->cwd) < 0)
		return -1;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s->dir);
	return system(cmd) == 0 ? 0 : -1;
}

#define SANDBOXED(test) cmocka_unit_test_setup_teardown(test, setup, teardown)

#endif
