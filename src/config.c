#include "leakgate/config.h"

#include <errno.h>
#include <git2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "leakgate/buf.h"
#include "leakgate/error.h"
#include "leakgate/libgit2.h"
#include "leakgate/setting.h"

typedef struct {
	const char *path;
	lg_config *cfg;   /* being filled */
	uint32_t *given;  /* per workload: the rows its sections set (setting.h) */
	uint32_t defaults_given; /* the rows [leakgate] set */
} loader;

/* A key set twice, in one section or in two of the same name: git's "the
 * last wins" would let a second `expect = clean` quietly undo the first
 * `expect = leak`. (A section may come back with other keys, as git
 * allows; libgit2 gives entries no line numbers to name.) */
static int check_repeat(loader *ld, uint32_t *given, int row,
			const char *name, const char *value)
{
	if (*given & LG_SETTING_BIT(row)) {
		lg_error_set("%s: %s is set twice (the second, '%s', would win "
			     "silently): set it once", ld->path, name,
			     value ? value : "");
		return LG_EINVALID;
	}
	*given |= LG_SETTING_BIT(row);
	return 0;
}

/* "PATH: unknown key 'NAME'", with a hint when one helps. */
static int bad_key(const loader *ld, const char *name, const char *hint)
{
	lg_error_set("%s: unknown key '%s'%s%s%s", ld->path, name,
		     *hint ? " (" : "", hint, *hint ? ")" : "");
	return LG_EINVALID;
}

/* Copies libgit2's message; its parse errors already name the line. */
/* libgit2 reads a missing file as an empty one, so look first. */
static int check_file(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		int missing = errno == ENOENT || errno == ENOTDIR;

		lg_error_set_os("%s", path);
		return missing ? LG_ENOTFOUND : LG_EOS;
	}
	if (!S_ISREG(st.st_mode)) {
		lg_error_set("%s: %s", path, S_ISDIR(st.st_mode)
			     ? "is a directory, not a configuration file"
			     : "is not a regular file");
		return LG_EINVALID;
	}
	return 0;
}

/* Applies one key to wl (a workload, or the defaults) or to the config. */
static int apply(lg_workload *wl, const loader *ld, int row, const char *key,
		 const char *value)
{
	/* A bare `key` line, with no '=', has no value at all. */
	if (!value) {
		lg_error_set("%s: %s: no value (write '%s = VALUE')", ld->path,
			     key, strrchr(key, '.') + 1);
		return LG_EINVALID;
	}
	return lg_setting_parse_key(wl, ld->cfg, row, ld->path, key, value);
}

/* The workload named name[0..len), added on its first appearance. */
static int find_workload(size_t *index, loader *ld, const char *name, size_t len)
{
	lg_config *cfg = ld->cfg;
	lg_workload *grown;
	uint32_t *given;
	size_t i;

	for (i = 0; i < cfg->count; i++)
		if (strlen(cfg->workloads[i].name) == len &&
		    memcmp(cfg->workloads[i].name, name, len) == 0)
			break;
	*index = i;
	if (i < cfg->count)
		return 0;
	grown = realloc(cfg->workloads, (i + 1) * sizeof(*grown));
	if (!grown)
		return lg_error_oom();
	cfg->workloads = grown;
	given = realloc(ld->given, (i + 1) * sizeof(*given));
	if (!given)
		return lg_error_oom();
	ld->given = given;
	memset(&grown[i], 0, sizeof(grown[i]));
	given[i] = 0;
	if (!(grown[i].name = strndup(name, len)))
		return lg_error_oom();
	cfg->count++;
	return 0;
}

/* name is "section.key" or "section.subsection.key" (subsection may hold dots). */
static int apply_entry(loader *ld, const char *name, const char *value)
{
	const char *first = strchr(name, '.'), *last = strrchr(name, '.');
	size_t section_len, index;
	int row, rc;

	if (!first)
		return bad_key(ld, name, "not in a section");
	section_len = (size_t)(first - name);
	if (section_len == strlen("leakgate") &&
	    memcmp(name, "leakgate", section_len) == 0) {
		if (first != last)
			return bad_key(ld, name, "[leakgate] takes no name");
		if ((row = lg_setting_find_key(last + 1, LG_SETTING_LEAKGATE)) < 0)
			return bad_key(ld, name, "");
		if ((rc = check_repeat(ld, &ld->defaults_given, row, name,
				       value)) < 0)
			return rc;
		return apply(&ld->cfg->defaults, ld, row, name, value);
	}
	if (section_len != strlen("workload") ||
	    memcmp(name, "workload", section_len) != 0)
		return bad_key(ld, name, "sections are [leakgate] and [workload \"NAME\"]");
	if (first == last)
		return bad_key(ld, name, "[workload] needs a name: [workload \"NAME\"]");
	if (last == first + 1)
		return bad_key(ld, name, "the workload name is empty");
	if ((row = lg_setting_find_key(last + 1, LG_SETTING_WORKLOAD)) < 0)
		return bad_key(ld, name, "");
	if ((rc = find_workload(&index, ld, first + 1, (size_t)(last - first - 1))) < 0)
		return rc;
	if ((rc = check_repeat(ld, &ld->given[index], row, name, value)) < 0)
		return rc;
	return apply(&ld->cfg->workloads[index], ld, row, name, value);
}

/* A section named by a pytest node id needs no target: it is that test's. */
static int implied_target(lg_workload *wl, const loader *ld)
{
	char *classname, *name;
	int rc;

	if (!strstr(wl->name, "::")) {
		lg_error_set("%s: workload.%s.target: missing; every [workload] "
			     "needs 'target = FILE.py:FUNCTION' or a pytest node "
			     "id as its name", ld->path, wl->name);
		return LG_EINVALID;
	}
	if (asprintf(&wl->target, "pytest:%s", wl->name) < 0) {
		wl->target = NULL;
		return lg_error_oom();
	}
	rc = lg_workload_test_names(&classname, &name, wl->target);
	free(classname);
	free(name);
	if (rc == LG_EINVALID) {
		lg_error_set("%s: [workload \"%s\"]: not a pytest node id "
			     "(FILE.py::TEST)", ld->path, wl->name);
	}
	return rc;
}

/* Every workload takes what its sections left unset from the final
 * defaults: the rows both [leakgate] and [workload] may set. */
static int fill_workloads(const loader *ld)
{
	const lg_config *cfg = ld->cfg;
	uint32_t shared = 0;
	int rc;

	for (size_t i = 0; i < lg_settings_count; i++)
		if ((lg_settings[i].flags & LG_SETTING_LEAKGATE) &&
		    (lg_settings[i].flags & LG_SETTING_WORKLOAD))
			shared |= LG_SETTING_BIT(i);
	for (size_t i = 0; i < cfg->count; i++) {
		lg_workload *wl = &cfg->workloads[i];

		if (!wl->target && (rc = implied_target(wl, ld)) < 0)
			return rc;
		if ((rc = lg_setting_copy(wl, NULL, &cfg->defaults, NULL,
					  shared & ~ld->given[i])) < 0)
			return rc;
	}
	return 0;
}

static int read_entries(loader *ld)
{
	git_config *gcfg = NULL;
	git_config_iterator *it = NULL;
	git_config_entry *entry;
	int rc, err;

	if ((rc = lg_libgit2_start()) < 0)
		return rc;
	if (git_config_new(&gcfg) < 0 ||
	    git_config_add_file_ondisk(gcfg, ld->path, GIT_CONFIG_LEVEL_APP,
				       NULL, 1) < 0 ||
	    git_config_iterator_new(&it, gcfg) < 0) {
		rc = lg_error_git("%s", ld->path);
		goto out;
	}
	/* One file, so entries come in file order (check_repeat). */
	while ((err = git_config_next(&entry, it)) == 0)
		if ((rc = apply_entry(ld, entry->name, entry->value)) < 0)
			goto out;
	rc = err == GIT_ITEROVER ? 0 : lg_error_git("%s", ld->path);
out:
	git_config_iterator_free(it);
	git_config_free(gcfg);
	return rc;
}

int lg_config_load(lg_config *out, const char *path, const lg_workload *base)
{
	loader ld = { path, out, NULL, 0 };
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = check_file(path)) < 0 ||
	    (rc = lg_workload_copy(&out->defaults, base)) < 0 ||
	    (rc = read_entries(&ld)) < 0 ||
	    (rc = fill_workloads(&ld)) < 0)
		lg_config_dispose(out);
	free(ld.given);
	return rc;
}

void lg_config_dispose(lg_config *cfg)
{
	if (!cfg)
		return;
	lg_workload_dispose(&cfg->defaults);
	for (size_t i = 0; i < cfg->count; i++)
		lg_workload_dispose(&cfg->workloads[i]);
	free(cfg->workloads);
	free(cfg->junit);
	free(cfg->pytest);
	memset(cfg, 0, sizeof(*cfg));
}
