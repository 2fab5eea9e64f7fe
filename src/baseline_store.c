/*
 * Baselines in git through libgit2: reading the baseline file from a
 * commit's tree or a note from the notes ref, writing a note. The commit
 * to read at is repo.c's to find.
 */
#include "leakgate/baseline_store.h"

#include <errno.h>
#include <fcntl.h>
#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "leakgate/error.h"
#include "leakgate/file.h"

int lg_baseline_store_parse(lg_baseline_store *out, const char *name)
{
	if (strcmp(name, "file") == 0)
		*out = LG_STORE_FILE;
	else if (strcmp(name, "notes") == 0)
		*out = LG_STORE_NOTES;
	else {
		lg_error_set("--store: '%s' is not file or notes", name);
		return LG_EINVALID;
	}
	return 0;
}

/* LG_BASELINE_PATH in the tree of commit: 1 read, 0 not there, < 0 error. */
static int load_file(lg_baseline *out, lg_repo *repo, const git_oid *commit_id)
{
	git_commit *commit = NULL;
	git_tree *tree = NULL;
	git_tree_entry *entry = NULL;
	git_blob *blob = NULL;
	char rev[8], what[256];
	int rc;

	git_oid_tostr(rev, sizeof(rev), commit_id);
	snprintf(what, sizeof(what), "%s at %s", LG_BASELINE_PATH, rev);
	if (git_commit_lookup(&commit, repo->git, commit_id) < 0 ||
	    git_commit_tree(&tree, commit) < 0) {
		rc = lg_error_git("cannot read the tree of %s", rev);
		goto out;
	}
	rc = git_tree_entry_bypath(&entry, tree, LG_BASELINE_PATH);
	if (rc == GIT_ENOTFOUND) {
		rc = 0;
		goto out;
	}
	if (rc < 0) {
		rc = lg_error_git("%s", what);
		goto out;
	}
	if (git_tree_entry_type(entry) != GIT_OBJECT_BLOB) {
		lg_error_set("%s: not a file", what);
		rc = LG_EINVALID;
		goto out;
	}
	if (git_blob_lookup(&blob, repo->git, git_tree_entry_id(entry)) < 0) {
		rc = lg_error_git("%s", what);
		goto out;
	}
	rc = lg_baseline_parse(out, git_blob_rawcontent(blob),
			       (size_t)git_blob_rawsize(blob), what);
	if (rc == 0)
		rc = 1;
out:
	git_blob_free(blob);
	git_tree_entry_free(entry);
	git_tree_free(tree);
	git_commit_free(commit);
	return rc;
}

/* The note of exactly commit_id in the notes commit `notes`: 1 read, 0
 * none, < 0 error. */
static int load_note(lg_baseline *out, lg_repo *repo, git_commit *notes,
		     const git_oid *commit_id)
{
	git_note *note = NULL;
	const char *text;
	char rev[8], what[256];
	int rc;

	git_oid_tostr(rev, sizeof(rev), commit_id);
	rc = git_note_commit_read(&note, repo->git, notes, commit_id);
	if (rc == GIT_ENOTFOUND)
		return 0;
	if (rc < 0)
		return lg_error_git("cannot read the note of %s in %s", rev,
				   LG_BASELINE_NOTES_REF);
	snprintf(what, sizeof(what), "note on %s in %s", rev, LG_BASELINE_NOTES_REF);
	text = git_note_message(note);
	rc = lg_baseline_parse(out, text ? text : "", text ? strlen(text) : 0, what);
	git_note_free(note);
	return rc == 0 ? 1 : rc;
}

/* The commit refs/notes/leakgate points to (*out NULL and *id zero when
 * there is none yet): 0, or < 0 on error. */
static int notes_head(git_commit **out, git_oid *id, lg_repo *repo)
{
	int rc = git_reference_name_to_id(id, repo->git, LG_BASELINE_NOTES_REF);

	*out = NULL;
	if (rc == GIT_ENOTFOUND) {
		memset(id, 0, sizeof(*id));
		return 0;
	}
	if (rc < 0 || git_commit_lookup(out, repo->git, id) < 0)
		return lg_error_git("cannot read %s", LG_BASELINE_NOTES_REF);
	return 0;
}

/*
 * The nearest first-parent ancestor of start (itself included) with a note
 * in the notes commit `notes`: 1 found (*found_at set), 0 none; *why says
 * where the walk ended.
 */
static int walk_notes(lg_baseline *out, git_oid *found_at, lg_buf *why,
		      lg_repo *repo, git_commit *notes, const git_oid *start)
{
	git_commit *commit = NULL, *parent;
	git_oid at, up;
	int rc = 0, steps;

	if (!notes)
		return lg_buf_printf(why, "no %s in this clone (fetch it: git "
				     "fetch origin %s:%s)", LG_BASELINE_NOTES_REF,
				     LG_BASELINE_NOTES_REF, LG_BASELINE_NOTES_REF);
	git_oid_cpy(&at, start);
	for (steps = 0; steps < LG_BASELINE_NOTES_DEPTH; steps++) {
		if ((rc = load_note(out, repo, notes, &at)) != 0)
			break;
		if (!commit && git_commit_lookup(&commit, repo->git, &at) < 0) {
			rc = lg_error_git("cannot read commit");
			break;
		}
		if ((rc = lg_commit_first_parent(&up, commit)) <= 0) {
			if (rc == 0)
				rc = lg_buf_printf(why, "no note in %s on it or its "
						   "first-parent ancestors",
						   LG_BASELINE_NOTES_REF);
			break;
		}
		rc = 0;
		if (git_commit_lookup(&parent, repo->git, &up) < 0) {
			/* A shallow clone ends here: as far as we can see. */
			rc = lg_buf_printf(why, "no note in %s on it or its "
					   "first-parent ancestors (%d in this "
					   "shallow clone: fetch more history to "
					   "look further)", LG_BASELINE_NOTES_REF,
					   steps);
			break;
		}
		git_commit_free(commit);
		commit = parent;
		git_oid_cpy(&at, git_commit_id(commit));
	}
	if (steps == LG_BASELINE_NOTES_DEPTH)
		rc = lg_buf_printf(why, "no note in %s on it or its %d first-parent "
				   "ancestors", LG_BASELINE_NOTES_REF,
				   LG_BASELINE_NOTES_DEPTH - 1);
	git_commit_free(commit);
	if (rc == 1)
		git_oid_cpy(found_at, &at);
	return rc;
}

static int set_origin(lg_baseline *b, const git_oid *at, const char *store)
{
	char rev[8];

	git_oid_tostr(rev, sizeof(rev), at);
	free(b->rev);
	free(b->store);
	b->rev = strdup(rev);
	b->store = strdup(store);
	if (!b->rev || !b->store)
		return lg_error_oom();
	return 1;
}

int lg_baseline_load_at(lg_baseline *out, lg_buf *why, lg_repo *repo,
			const char *id, lg_baseline_store store)
{
	lg_baseline init = LG_BASELINE_INIT;
	git_oid commit, at;
	char rev[8];
	int rc;

	*out = init;
	if (git_oid_fromstr(&commit, id) < 0) {
		lg_error_set("'%s' is not a commit id", id);
		return LG_EINVALID;
	}
	git_oid_tostr(rev, sizeof(rev), &commit);
	if (store != LG_STORE_NOTES) {
		rc = load_file(out, repo, &commit);
		if (rc == 1)
			rc = set_origin(out, &commit, "file");
		if (rc != 0)
			goto out;
	}
	if ((rc = lg_buf_printf(why, "no baseline at %s: ", rev)) < 0)
		goto out;
	if (store != LG_STORE_FILE) {
		if (store == LG_STORE_ANY &&
		    (rc = lg_buf_printf(why, "no %s in its tree, ",
					LG_BASELINE_PATH)) < 0)
			goto out;
		git_commit *notes;
		git_oid notes_id;

		if ((rc = notes_head(&notes, &notes_id, repo)) == 0)
			rc = walk_notes(out, &at, why, repo, notes, &commit);
		git_commit_free(notes);
		if (rc == 1)
			rc = set_origin(out, &at, "notes");
	} else {
		rc = lg_buf_printf(why, "no %s in its tree", LG_BASELINE_PATH);
	}
out:
	if (rc < 0)
		lg_baseline_dispose(out);
	return rc;
}

/* CI machines often have no user.name: a notes commit still needs one. */
static int note_signature(git_signature **out, lg_repo *repo)
{
	if (git_signature_default(out, repo->git) < 0 &&
	    git_signature_now(out, "leakgate", "leakgate@localhost") < 0)
		return lg_error_git("cannot make a signature for the note");
	return 0;
}

int lg_baseline_write_note(lg_repo *repo, const char *id, const char *text)
{
	git_signature *sig = NULL;
	git_oid commit, note;
	int rc;

	if (git_oid_fromstr(&commit, id) < 0) {
		lg_error_set("'%s' is not a commit id", id);
		return LG_EINVALID;
	}
	if ((rc = note_signature(&sig, repo)) < 0)
		return rc;
	rc = git_note_create(&note, repo->git, LG_BASELINE_NOTES_REF, sig, sig,
			     &commit, text, 1);
	git_signature_free(sig);
	if (rc < 0)
		return lg_error_git("cannot write the note on %.7s in %s", id,
				   LG_BASELINE_NOTES_REF);
	return 0;
}

/* ---- writing without losing a racing writer's work ------------------- */

static double seconds_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) +
	       (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/* After `attempt` failed tries since start: 1 when there is time to try
 * again (having slept 5-100 ms, more with each try and a random share of
 * it, so that writers that collided spread out), else 0. */
static int wait_again(const struct timespec *start, double timeout,
		      unsigned attempt, unsigned *seed)
{
	long ms = 5 + (long)(attempt < 19 ? attempt : 19) * 5;
	struct timespec pause;

	if (seconds_since(start) >= timeout)
		return 0;
	ms = ms / 2 + rand_r(seed) % (ms / 2 + 1);
	pause.tv_sec = 0;
	pause.tv_nsec = ms * 1000000L;
	while (nanosleep(&pause, &pause) < 0 && errno == EINTR)
		;
	return 1;
}

static double timeout_of(double asked)
{
	return asked > 0 ? asked : LG_BASELINE_LOCK_TIMEOUT;
}

static int apply_change(lg_baseline *b, const lg_baseline_change *change)
{
	if (change->keep_only)
		lg_baseline_retain(b, change->keep_only, change->keep_count);
	/* The text says the version that wrote it; entries say their own. */
	free(b->leakgate_version);
	b->leakgate_version = NULL;
	return lg_baseline_merge(b, change->measured);
}

/* The lock file `lock` of path: created exclusively, holding our pid;
 * waited for while another writer holds it. */
static int lock_file(const char *path, const char *lock, double timeout)
{
	struct timespec start;
	unsigned seed = (unsigned)getpid(), attempt;
	char pid[32], holder[32];
	ssize_t n;
	int fd;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (attempt = 0;; attempt++) {
		fd = open(lock, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd >= 0)
			break;
		if (errno != EEXIST)
			return lg_error_set_os("cannot create the lock file '%s'", lock);
		if (!wait_again(&start, timeout, attempt, &seed)) {
			holder[0] = '\0';
			if ((fd = open(lock, O_RDONLY | O_CLOEXEC)) >= 0) {
				n = read(fd, holder, sizeof(holder) - 1);
				holder[n > 0 ? n : 0] = '\0';
				holder[strcspn(holder, "\n")] = '\0';
				close(fd);
			}
			lg_error_set("cannot lock '%s': '%s' stayed there for %.0f s "
				     "(another leakgate baseline record%s%s%s is "
				     "writing it; if none is running, remove it)",
				     path, lock, timeout, *holder ? " (pid " : "",
				     holder, *holder ? ")" : "");
			return LG_EOS;
		}
	}
	snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (lg_file_write_fd(fd, pid, strlen(pid)) < 0 || close(fd) < 0) {
		unlink(lock);
		return lg_error_set_os("cannot write the lock file '%s'", lock);
	}
	return 0;
}

/*
 * The first notes commit, when there was no ref: libgit2 (before 1.8)
 * checks that a ref does not exist outside the ref's lock, so two first
 * writers could both "create" it. Creators take a lock of ours, and look
 * again under it. 0 created, 1 when someone was first, < 0 on error.
 */
static int create_notes_ref(lg_repo *repo, const git_oid *id, double timeout,
			    const char *log)
{
	git_reference *ref = NULL;
	lg_buf lock = LG_BUF_INIT;
	git_oid now;
	int rc;

	if ((rc = lg_buf_printf(&lock, "%s/leakgate-notes.lock",
				git_repository_commondir(repo->git))) < 0 ||
	    (rc = lock_file(LG_BASELINE_NOTES_REF, lock.ptr, timeout)) < 0) {
		lg_buf_dispose(&lock);
		return rc;
	}
	rc = git_reference_name_to_id(&now, repo->git, LG_BASELINE_NOTES_REF);
	if (rc == GIT_ENOTFOUND)
		rc = git_reference_create(&ref, repo->git, LG_BASELINE_NOTES_REF,
					  id, 0, log);
	else if (rc == 0)
		rc = 1;
	if (rc < 0)
		rc = lg_error_git("cannot create %s", LG_BASELINE_NOTES_REF);
	git_reference_free(ref);
	unlink(lock.ptr);
	lg_buf_dispose(&lock);
	return rc;
}

/*
 * Builds the notes commit to swap in from the one the ref holds (notes,
 * NULL when there is none): 0 with *out set, 1 when nothing changes, < 0.
 */
typedef int (*notes_builder)(git_oid *out, lg_repo *repo, git_commit *notes,
			     void *ctx);

/* Compare-and-swap of LG_BASELINE_NOTES_REF to what build makes of it,
 * again from the start while another writer wins the race. */
static int swap_notes(lg_repo *repo, notes_builder build, void *ctx,
		      double timeout, const char *log)
{
	struct timespec start;
	unsigned seed = (unsigned)getpid(), attempt;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (attempt = 0;; attempt++) {
		git_reference *ref = NULL;
		git_commit *notes;
		git_oid old, new;
		int had;

		if ((rc = notes_head(&notes, &old, repo)) < 0)
			return rc;
		had = notes != NULL;
		rc = build(&new, repo, notes, ctx);
		git_commit_free(notes);
		if (rc != 0)
			return rc < 0 ? rc : 0;
		if (!had) {
			if ((rc = create_notes_ref(repo, &new, timeout, log)) <= 0)
				return rc;
			continue; /* someone was first: merge with theirs */
		}
		/* Only over the commit it was built on: else someone wrote
		 * meanwhile, and their notes must be merged first. */
		rc = git_reference_create_matching(&ref, repo->git,
						   LG_BASELINE_NOTES_REF, &new, 1,
						   &old, log);
		git_reference_free(ref);
		if (rc == 0)
			return 0;
		if (rc != GIT_EMODIFIED && rc != GIT_ELOCKED)
			return lg_error_git("cannot update %s", LG_BASELINE_NOTES_REF);
		if (!wait_again(&start, timeout, attempt, &seed))
			break;
	}
	/* libgit2's own message ends in an empty reason: ours says it all. */
	if (rc == GIT_ELOCKED) {
		lg_error_set("cannot update %s: it stayed locked for %.0f s "
			     "(another git or leakgate holding %s%s.lock; if "
			     "none is running, remove it)", LG_BASELINE_NOTES_REF,
			     timeout, git_repository_commondir(repo->git),
			     LG_BASELINE_NOTES_REF);
		return LG_EOS;
	}
	lg_error_set("cannot update %s: other writers changed it on each of "
		     "%u tries in %.0f s", LG_BASELINE_NOTES_REF, attempt + 1,
		     timeout);
	return LG_ERROR;
}

/* text as the note of commit_id in a new notes commit on top of parent. */
static int add_note(git_oid *out, lg_repo *repo, git_commit *parent,
		    const git_oid *commit_id, const char *text)
{
	git_signature *sig = NULL;
	git_oid blob;
	int rc;

	if ((rc = note_signature(&sig, repo)) < 0)
		return rc;
	rc = git_note_commit_create(out, &blob, repo->git, parent, sig, sig,
				    commit_id, text, 1);
	git_signature_free(sig);
	if (rc < 0)
		return lg_error_git("cannot write the note on %.7s in %s",
				    git_oid_tostr_s(commit_id), LG_BASELINE_NOTES_REF);
	return 0;
}

typedef struct {
	git_oid commit;
	const lg_baseline_change *change;
} record_ctx;

static int build_record(git_oid *out, lg_repo *repo, git_commit *notes, void *ctx)
{
	record_ctx *c = ctx;
	lg_baseline b = LG_BASELINE_INIT;
	lg_buf why = LG_BUF_INIT, text = LG_BUF_INIT;
	git_oid at;
	int rc;

	if ((rc = walk_notes(&b, &at, &why, repo, notes, &c->commit)) >= 0 &&
	    (rc = apply_change(&b, c->change)) == 0 &&
	    (rc = lg_baseline_format(&text, &b)) == 0)
		rc = add_note(out, repo, notes, &c->commit, lg_buf_cstr(&text));
	lg_baseline_dispose(&b);
	lg_buf_dispose(&why);
	lg_buf_dispose(&text);
	return rc;
}

int lg_baseline_record_note(lg_repo *repo, const char *id,
			    const lg_baseline_change *change)
{
	record_ctx c = { .change = change };

	if (git_oid_fromstr(&c.commit, id) < 0) {
		lg_error_set("'%s' is not a commit id", id);
		return LG_EINVALID;
	}
	return swap_notes(repo, build_record, &c, timeout_of(change->lock_timeout),
			  "leakgate baseline record");
}

typedef struct {
	git_oid theirs;
	size_t changed;
} merge_ctx;

/* ours's note of commit_id merged into tip's: *tip moves on when changed. */
static int merge_one(git_commit **tip, size_t *changed, lg_repo *repo,
		     git_commit *ours, const git_oid *commit_id)
{
	lg_baseline mine = LG_BASELINE_INIT, merged = LG_BASELINE_INIT;
	lg_buf text = LG_BUF_INIT, before = LG_BUF_INIT;
	git_commit *next = NULL;
	git_oid id;
	int rc, theirs;

	if ((rc = load_note(&mine, repo, ours, commit_id)) <= 0 ||
	    (rc = theirs = load_note(&merged, repo, *tip, commit_id)) < 0 ||
	    (theirs && (rc = lg_baseline_format(&before, &merged)) < 0) ||
	    (rc = lg_baseline_merge(&merged, &mine)) < 0 ||
	    (rc = lg_baseline_format(&text, &merged)) < 0)
		goto out;
	rc = 0;
	if (theirs && strcmp(lg_buf_cstr(&text), lg_buf_cstr(&before)) == 0)
		goto out;
	if ((rc = add_note(&id, repo, *tip, commit_id, lg_buf_cstr(&text))) < 0)
		goto out;
	if (git_commit_lookup(&next, repo->git, &id) < 0) {
		rc = lg_error_git("cannot read the notes commit just written");
		goto out;
	}
	git_commit_free(*tip);
	*tip = next;
	(*changed)++;
out:
	lg_baseline_dispose(&mine);
	lg_baseline_dispose(&merged);
	lg_buf_dispose(&text);
	lg_buf_dispose(&before);
	return rc;
}

static int build_merge(git_oid *out, lg_repo *repo, git_commit *ours, void *ctx)
{
	merge_ctx *c = ctx;
	git_note_iterator *it = NULL;
	git_commit *tip = NULL;
	git_oid blob, annotated;
	int rc, err = GIT_ITEROVER;

	c->changed = 0;
	if (git_commit_lookup(&tip, repo->git, &c->theirs) < 0)
		return lg_error_git("cannot read their notes commit");
	if (ours && git_note_commit_iterator_new(&it, ours) < 0) {
		rc = lg_error_git("cannot list the notes in %s", LG_BASELINE_NOTES_REF);
		goto out;
	}
	rc = 0;
	while (it && rc == 0 && (err = git_note_next(&blob, &annotated, it)) == 0)
		rc = merge_one(&tip, &c->changed, repo, ours, &annotated);
	if (rc == 0 && it && err != GIT_ITEROVER)
		rc = lg_error_git("cannot list the notes in %s", LG_BASELINE_NOTES_REF);
	if (rc == 0) {
		git_oid_cpy(out, git_commit_id(tip));
		/* Already theirs plus ours, and ours is it: nothing to swap. */
		if (ours && git_oid_equal(out, git_commit_id(ours)))
			rc = 1;
	}
out:
	git_note_iterator_free(it);
	git_commit_free(tip);
	return rc;
}

int lg_baseline_merge_notes(size_t *changed, lg_repo *repo, const char *theirs,
			    double lock_timeout)
{
	merge_ctx c = { .changed = 0 };
	int rc;

	*changed = 0;
	if (git_reference_name_to_id(&c.theirs, repo->git, theirs) < 0)
		return lg_error_git("cannot read the notes to merge, %s", theirs);
	rc = swap_notes(repo, build_merge, &c, timeout_of(lock_timeout),
			"leakgate baseline merge-notes");
	*changed = c.changed;
	return rc;
}

int lg_baseline_record_file(const char *path, const lg_baseline_change *change)
{
	lg_baseline b = LG_BASELINE_INIT;
	lg_buf lock = LG_BUF_INIT;
	int rc;

	if ((rc = lg_buf_printf(&lock, "%s.lock", path)) < 0 ||
	    (rc = lg_file_mkdir_parent(path)) < 0 ||
	    (rc = lock_file(path, lock.ptr, timeout_of(change->lock_timeout))) < 0)
		goto out;
	rc = lg_baseline_read_file(&b, path, LG_BASELINE_PATH);
	if (rc == LG_ENOTFOUND)
		rc = 0;
	if (rc == 0 && (rc = apply_change(&b, change)) == 0)
		rc = lg_baseline_write(&b, path);
	unlink(lock.ptr);
out:
	lg_baseline_dispose(&b);
	lg_buf_dispose(&lock);
	return rc;
}

int lg_baseline_locate(lg_baseline *out, lg_buf *why, lg_base_commit *base,
		       const char *dir, const char *rev,
		       const lg_base_hints *hints, lg_baseline_store store)
{
	lg_baseline init = LG_BASELINE_INIT;
	lg_repo *repo = NULL;
	int rc;

	*out = init;
	memset(base, 0, sizeof(*base));
	if ((rc = lg_repo_open(&repo, dir)) < 0)
		return rc;
	rc = strcmp(rev, "auto") == 0 ? lg_repo_auto_base(base, repo, hints)
				       : lg_repo_resolve(base, repo, rev);
	if (rc == 0 && !base->id[0])
		rc = lg_buf_printf(why, "%s has no parent: nothing to compare with",
				   "HEAD");
	else if (rc == 0)
		rc = lg_baseline_load_at(out, why, repo, base->id, store);
	lg_repo_free(repo);
	return rc;
}
