/*
 * Baselines in git through libgit2: reading the baseline file from a
 * commit's tree or a note from the notes ref, writing a note. The commit
 * to read at is repo.c's to find.
 */
#include "leakgate/baseline_store.h"

#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leakgate/error.h"

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

/* The note of exactly commit_id: 1 read, 0 none, < 0 error. */
static int load_note(lg_baseline *out, lg_repo *repo, const git_oid *commit_id)
{
	git_note *note = NULL;
	const char *text;
	char rev[8], what[256];
	int rc;

	git_oid_tostr(rev, sizeof(rev), commit_id);
	rc = git_note_read(&note, repo->git, LG_BASELINE_NOTES_REF, commit_id);
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

/*
 * The nearest first-parent ancestor of start (itself included) with a note:
 * 1 found (*found_at set), 0 none; *why says where the walk ended.
 */
static int walk_notes(lg_baseline *out, git_oid *found_at, lg_buf *why,
		      lg_repo *repo, const git_oid *start)
{
	git_reference *ref = NULL;
	git_commit *commit = NULL, *parent;
	git_oid at, up;
	int rc = 0, steps;

	if (git_reference_lookup(&ref, repo->git, LG_BASELINE_NOTES_REF) < 0)
		return lg_buf_printf(why, "no %s in this clone (fetch it: git "
				     "fetch origin %s:%s)", LG_BASELINE_NOTES_REF,
				     LG_BASELINE_NOTES_REF, LG_BASELINE_NOTES_REF);
	git_reference_free(ref);
	git_oid_cpy(&at, start);
	for (steps = 0; steps < LG_BASELINE_NOTES_DEPTH; steps++) {
		if ((rc = load_note(out, repo, &at)) != 0)
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
		rc = walk_notes(out, &at, why, repo, &commit);
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

int lg_baseline_write_note(lg_repo *repo, const char *id, const char *text)
{
	git_signature *sig = NULL;
	git_oid commit, note;
	int rc;

	if (git_oid_fromstr(&commit, id) < 0) {
		lg_error_set("'%s' is not a commit id", id);
		return LG_EINVALID;
	}
	/* CI machines often have no user.name: the note still needs one. */
	if (git_signature_default(&sig, repo->git) < 0 &&
	    git_signature_now(&sig, "leakgate", "leakgate@localhost") < 0)
		return lg_error_git("cannot make a signature for the note");
	rc = git_note_create(&note, repo->git, LG_BASELINE_NOTES_REF, sig, sig,
			     &commit, text, 1);
	git_signature_free(sig);
	if (rc < 0)
		return lg_error_git("cannot write the note on %.7s in %s", id,
				   LG_BASELINE_NOTES_REF);
	return 0;
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
