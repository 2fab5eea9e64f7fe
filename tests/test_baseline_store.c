/*
 * Baselines in git: reading a baseline at a commit (file, then notes), in
 * a fresh temporary repository per test (lg_git_sandbox.h). Finding the
 * commit is test_repo.c's.
 */
#include "lg_test.h"

#include "leakgate/baseline_store.h"

#include "lg_git_sandbox.h"

#include <sys/wait.h>

#define BASELINE_TEXT(python) \
	"[leakgate]\n\tformat = 1\n[baseline \"w\"]\n\tpython = " python "\n" \
	"\timplementation = cpython\n\tcalls = 10\n"

static void test_file_then_notes(void **state)
{
	sandbox *s = *state;
	lg_baseline b;
	lg_buf why = LG_BUF_INIT;
	lg_repo *repo;
	char a_rev[8];

	snprintf(a_rev, sizeof(a_rev), "%.7s", s->a);
	assert_lg_ok(lg_repo_open(&repo, "."));
	/* Nothing anywhere. */
	assert_int_equal(lg_baseline_load_at(&b, &why, repo, s->b, LG_STORE_ANY), 0);
	assert_non_null(strstr(why.ptr, "no .leakgate/baseline in its tree, "
			       "no refs/notes/leakgate in this clone"));
	lg_buf_dispose(&why);

	/* A note on A is found from B, its first-parent descendant. */
	assert_lg_ok(lg_baseline_write_note(repo, s->a, BASELINE_TEXT("3.8.18")));
	assert_int_equal(lg_baseline_load_at(&b, &why, repo, s->b, LG_STORE_ANY), 1);
	assert_string_equal(b.store, "notes");
	assert_string_equal(b.rev, a_rev);
	assert_string_equal(b.entries[0].python_version, "3.8.18");
	lg_baseline_dispose(&b);
	/* Written again: replaced. */
	assert_lg_ok(lg_baseline_write_note(repo, s->a, BASELINE_TEXT("3.9.18")));
	assert_int_equal(lg_baseline_load_at(&b, &why, repo, s->b, LG_STORE_NOTES), 1);
	assert_string_equal(b.entries[0].python_version, "3.9.18");
	lg_baseline_dispose(&b);
	/* Not from the first commit, below it. */
	assert_int_equal(lg_baseline_load_at(&b, &why, repo, s->first, LG_STORE_NOTES), 0);
	assert_non_null(strstr(why.ptr, "no note in refs/notes/leakgate on it"));
	lg_buf_dispose(&why);

	/* A committed file wins over the note. */
	lg_test_sh("mkdir .leakgate && printf '" BASELINE_TEXT("3.12.1") "' > .leakgate/baseline "
	   "&& git add .leakgate && git commit -q -m baseline");
	lg_repo_free(repo);
	assert_lg_ok(lg_repo_open(&repo, "."));
	{
		char head[41];

		rev_parse(head, "HEAD");
		assert_int_equal(lg_baseline_load_at(&b, &why, repo, head, LG_STORE_ANY), 1);
		assert_string_equal(b.store, "file");
		assert_string_equal(b.entries[0].python_version, "3.12.1");
		lg_baseline_dispose(&b);
		/* --store notes skips it. */
		assert_int_equal(lg_baseline_load_at(&b, &why, repo, head, LG_STORE_NOTES), 1);
		assert_string_equal(b.store, "notes");
		lg_baseline_dispose(&b);
	}
	/* The working tree is never read: only what the commit holds. */
	lg_test_sh("printf 'garbage' > .leakgate/baseline");
	assert_int_equal(lg_baseline_load_at(&b, &why, repo, s->b, LG_STORE_FILE), 0);
	assert_non_null(strstr(why.ptr, ": no .leakgate/baseline in its tree"));
	lg_buf_dispose(&why);
	lg_repo_free(repo);
}

static void test_file_store_errors(void **state)
{
	lg_baseline b;
	lg_buf why = LG_BUF_INIT;
	lg_repo *repo;
	char head[41];

	(void)state;
	lg_test_sh("mkdir -p .leakgate/baseline && echo x > .leakgate/baseline/x && "
	   "git add .leakgate && git commit -q -m 'a directory'");
	rev_parse(head, "HEAD");
	assert_lg_ok(lg_repo_open(&repo, "."));
	assert_int_equal(lg_baseline_load_at(&b, &why, repo, head, LG_STORE_ANY),
			 LG_EINVALID);
	assert_non_null(strstr(lg_error_last(), ".leakgate/baseline at "));
	assert_non_null(strstr(lg_error_last(), ": not a file"));
	lg_repo_free(repo);
	lg_buf_dispose(&why);
}

/* A shallow clone ends the walk up the first parents, saying to fetch
 * more: the commit at its boundary is not a first commit, though libgit2
 * 1.7+ shows it without parents. */
static void test_notes_shallow_clone(void **state)
{
	sandbox *s = *state;
	lg_baseline b;
	lg_buf why = LG_BUF_INIT;
	lg_repo *repo;

	assert_lg_ok(lg_repo_open(&repo, "."));
	assert_lg_ok(lg_baseline_write_note(repo, s->a, BASELINE_TEXT("3.8.18")));
	lg_repo_free(repo);
	lg_test_sh("git clone -q --depth 1 --branch feature file://$PWD shallow && "
		   "git -C shallow fetch -q origin refs/notes/leakgate:refs/notes/leakgate");
	if (chdir("shallow") < 0)
		fail_msg("cannot enter the shallow clone");
	assert_lg_ok(lg_repo_open(&repo, "."));
	assert_int_equal(lg_baseline_load_at(&b, &why, repo, s->b, LG_STORE_NOTES), 0);
	assert_non_null(strstr(why.ptr, "in this shallow clone: fetch more history"));
	lg_buf_dispose(&why);
	lg_repo_free(repo);
	if (chdir("..") < 0)
		fail_msg("cannot leave the shallow clone");
}

/* The change of a record that measured workload `name` at `when`. */
typedef struct {
	lg_baseline measured;
	lg_baseline_change change;
} one_change;

static void one_change_init(one_change *c, const char *name, int64_t when)
{
	char text[256];

	snprintf(text, sizeof(text), "[leakgate]\n\tformat = 3\n[baseline \"%s\"]\n"
		 "\tpython = 3.11.2\n\timplementation = cpython\n", name);
	assert_lg_ok(lg_baseline_parse(&c->measured, text, strlen(text), name));
	c->measured.entries[0].recorded = when;
	memset(&c->change, 0, sizeof(c->change));
	c->change.measured = &c->measured;
	c->change.lock_timeout = 20;
}

/* n processes at once, process i recording workload w<i> on ids[i] (or
 * ids[0] for all when one_commit), to the notes or to the file at path. */
static void record_in_parallel(int n, char ids[][41], int one_commit,
			       const char *path)
{
	pid_t pids[16];
	int status;

	for (int i = 0; i < n; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			one_change c;
			lg_repo *repo = NULL;
			char name[16];
			int rc;

			snprintf(name, sizeof(name), "w%d", i);
			one_change_init(&c, name, 1700000000 + i);
			rc = path ? lg_baseline_record_file(path, &c.change)
			     : lg_repo_open(&repo, ".") < 0 ? -1
			     : lg_baseline_record_note(repo, ids[one_commit ? 0 : i],
						       &c.change);
			if (rc < 0)
				fprintf(stderr, "record %d: %s\n", i, lg_error_last());
			_exit(rc < 0);
		}
	}
	for (int i = 0; i < n; i++) {
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
}

/* Every w<i> (i < n) in the baseline at id, from the notes. */
static void assert_note_holds(lg_repo *repo, const char *id, int from, int n)
{
	lg_baseline b;
	lg_buf why = LG_BUF_INIT;
	char name[16];

	assert_int_equal(lg_baseline_load_at(&b, &why, repo, id, LG_STORE_NOTES), 1);
	for (int i = from; i < n; i++) {
		snprintf(name, sizeof(name), "w%d", i);
		if (!lg_baseline_find(&b, name))
			fail_msg("%s lost from the note on %.7s (%zu entries)", name, id,
				 b.count);
	}
	lg_baseline_dispose(&b);
	lg_buf_dispose(&why);
}

/* Eight records at once on one commit, then on eight: none lost (the ref is
 * compare-and-swapped, and a loser merges and tries again). */
static void test_parallel_notes_lose_nothing(void **state)
{
	sandbox *s = *state;
	char ids[8][41];
	lg_repo *repo;

	(void)s;
	strcpy(ids[0], s->b);
	record_in_parallel(8, ids, 1, NULL);
	assert_lg_ok(lg_repo_open(&repo, "."));
	assert_note_holds(repo, s->b, 0, 8);
	lg_repo_free(repo);

	for (int i = 0; i < 8; i++) {
		char name[16];

		snprintf(name, sizeof(name), "n%d", i);
		commit_file(name, 10 + i);
		rev_parse(ids[i], "HEAD");
	}
	record_in_parallel(8, ids, 0, NULL);
	assert_lg_ok(lg_repo_open(&repo, "."));
	for (int i = 0; i < 8; i++)
		assert_note_holds(repo, ids[i], i, i + 1);
	lg_repo_free(repo);
}

static void test_parallel_file_loses_nothing(void **state)
{
	lg_baseline b;
	char name[16];

	(void)state;
	record_in_parallel(8, NULL, 1, ".leakgate/baseline");
	assert_lg_ok(lg_baseline_read_file(&b, ".leakgate/baseline", NULL));
	assert_int_equal(b.count, 8);
	for (int i = 0; i < 8; i++) {
		snprintf(name, sizeof(name), "w%d", i);
		assert_non_null(lg_baseline_find(&b, name));
	}
	lg_baseline_dispose(&b);
	lg_test_sh("test ! -e .leakgate/baseline.lock");
}

/* A lock another process keeps: retried, then the whole reason. */
static void test_lock_held_says_why(void **state)
{
	sandbox *s = *state;
	one_change c;
	lg_repo *repo;

	one_change_init(&c, "w", 1700000000);
	c.change.lock_timeout = 0.3;
	assert_lg_ok(lg_repo_open(&repo, "."));
	assert_lg_ok(lg_baseline_record_note(repo, s->b, &c.change));
	lg_test_sh("touch .git/refs/notes/leakgate.lock");
	assert_int_equal(lg_baseline_record_note(repo, s->b, &c.change) < 0, 1);
	assert_contains(lg_error_last(), "cannot update refs/notes/leakgate: it "
			"stayed locked for 0 s");
	assert_contains(lg_error_last(), "refs/notes/leakgate.lock; if none is "
			"running, remove it");
	lg_test_sh("rm .git/refs/notes/leakgate.lock");
	lg_repo_free(repo);

	lg_test_sh("mkdir -p .leakgate && (echo 4242 > .leakgate/baseline.lock)");
	assert_int_equal(lg_baseline_record_file(".leakgate/baseline", &c.change),
			 LG_EOS);
	assert_contains(lg_error_last(), "cannot lock '.leakgate/baseline': "
			"'.leakgate/baseline.lock' stayed there for 0 s (another "
			"leakgate baseline record (pid 4242) is writing it; if none "
			"is running, remove it)");
	lg_baseline_dispose(&c.measured);
}

/* The CI push: their notes and ours for the same commit, merged per
 * workload on top of theirs (so the push fast-forwards). */
static void test_merge_notes(void **state)
{
	sandbox *s = *state;
	one_change c;
	lg_repo *repo;
	size_t changed;

	assert_lg_ok(lg_repo_open(&repo, "."));
	for (int i = 0; i < 2; i++) {
		one_change_init(&c, i ? "wb" : "wa", 1700000000);
		assert_lg_ok(lg_baseline_record_note(repo, s->b, &c.change));
		lg_baseline_dispose(&c.measured);
	}
	lg_test_sh("git update-ref refs/notes/leakgate-remote refs/notes/leakgate && "
		   "git update-ref -d refs/notes/leakgate");
	for (int i = 0; i < 2; i++) {
		one_change_init(&c, i ? "wd" : "wc", 1700000000);
		assert_lg_ok(lg_baseline_record_note(repo, s->b, &c.change));
		lg_baseline_dispose(&c.measured);
	}
	/* And a note theirs does not have at all. */
	one_change_init(&c, "we", 1700000000);
	assert_lg_ok(lg_baseline_record_note(repo, s->c, &c.change));
	lg_baseline_dispose(&c.measured);

	assert_lg_ok(lg_baseline_merge_notes(&changed, repo,
					     "refs/notes/leakgate-remote", 5));
	assert_int_equal(changed, 2);
	lg_repo_free(repo);
	assert_lg_ok(lg_repo_open(&repo, "."));
	{
		lg_baseline b;
		lg_buf why = LG_BUF_INIT;

		assert_int_equal(lg_baseline_load_at(&b, &why, repo, s->b,
						     LG_STORE_NOTES), 1);
		assert_int_equal(b.count, 4);
		lg_baseline_dispose(&b);
		assert_int_equal(lg_baseline_load_at(&b, &why, repo, s->c,
						     LG_STORE_NOTES), 1);
		assert_non_null(lg_baseline_find(&b, "we"));
		lg_baseline_dispose(&b);
		lg_buf_dispose(&why);
	}
	lg_test_sh("git merge-base --is-ancestor refs/notes/leakgate-remote "
		   "refs/notes/leakgate");
	/* Again: nothing new to merge, nothing written. */
	assert_lg_ok(lg_baseline_merge_notes(&changed, repo,
					     "refs/notes/leakgate-remote", 5));
	assert_int_equal(changed, 2);
	assert_int_equal(lg_baseline_merge_notes(&changed, repo, "refs/notes/nope",
						 5) < 0, 1);
	assert_contains(lg_error_last(), "cannot read the notes to merge, "
			"refs/notes/nope");
	lg_repo_free(repo);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		SANDBOXED(test_file_then_notes),
		SANDBOXED(test_file_store_errors),
		SANDBOXED(test_notes_shallow_clone),
		SANDBOXED(test_parallel_notes_lose_nothing),
		SANDBOXED(test_parallel_file_loses_nothing),
		SANDBOXED(test_lock_held_says_why),
		SANDBOXED(test_merge_notes),
	};

	return cmocka_run_group_tests_name("baseline store", tests, lg_test_libgit2_setup,
					   lg_test_libgit2_teardown);
}
