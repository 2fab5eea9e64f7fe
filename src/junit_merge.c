/*
 * Merging shard reports: the model (lg_junit_read) validates each file and
 * gives the combined results; the XML itself is copied node by node, so
 * that what this reader does not know still reaches the merged file.
 */
#include "leakgate/junit_merge.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include "leakgate/error.h"
#include "leakgate/junit_read.h"
#include "leakgate/parse.h"

typedef struct {
	xmlDocPtr doc;
	xmlNodePtr root;
	long long failures, errors;
	double seconds;
} merged_doc;

static void quiet(void *context, xmlErrorPtr error)
{
	(void)context;
	(void)error;
}

/* A whole-number attribute of a testsuite (0 when absent). */
static long long count_attr(const xmlNode *node, const char *name)
{
	char *value = (char *)xmlGetProp(node, BAD_CAST name);
	int64_t n = 0;

	if (value && lg_parse_i64(&n, value) < 0)
		n = 0;
	xmlFree(value);
	return (long long)n;
}

/* Copy the <testsuite> elements of path under m->root. The file has been
 * read by lg_junit_read already, so it parses. */
static int copy_suites(merged_doc *m, const char *path)
{
	xmlDocPtr doc = xmlReadFile(path, NULL, XML_PARSE_NONET);
	xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
	int rc = 0;

	if (!root) {
		xmlFreeDoc(doc);
		return lg_error_set("%s: cannot read it a second time", path);
	}
	for (xmlNodePtr c = root->children; c && rc == 0; c = c->next) {
		xmlNodePtr copy;

		if (c->type != XML_ELEMENT_NODE ||
		    xmlStrcmp(c->name, BAD_CAST "testsuite") != 0 ||
		    lg_junit_is_empty_suite(c))
			continue;
		/* Each suite on its own line, indented as junit.c writes. */
		if (!xmlAddChild(m->root, xmlNewDocText(m->doc, BAD_CAST "\n  "))) {
			rc = lg_error_oom();
			break;
		}
		copy = xmlDocCopyNode(c, m->doc, 1);
		if (!copy || !xmlAddChild(m->root, copy)) {
			xmlFreeNode(copy);
			rc = lg_error_oom();
			break;
		}
		m->failures += count_attr(c, "failures");
		m->errors += count_attr(c, "errors");
	}
	xmlFreeDoc(doc);
	return rc;
}

/* Move the items of part to the end of run; part is left empty. */
static int append(lg_run_result *run, lg_run_result *part, const char *path,
		  const char *const *paths, const size_t *owner)
{
	lg_workload_result *items;

	for (size_t i = 0; i < part->count; i++) {
		for (size_t j = 0; j < run->count; j++) {
			if (strcmp(part->items[i].workload.name,
				   run->items[j].workload.name) == 0) {
				lg_error_set("%s: workload '%s' is also in %s: the "
					     "shards overlap", path,
					     part->items[i].workload.name,
					     paths[owner[j]]);
				return LG_EINVALID;
			}
		}
	}
	items = realloc(run->items, (run->count + part->count + 1) * sizeof(*items));
	if (!items)
		return lg_error_oom();
	run->items = items;
	if (part->count)
		memcpy(items + run->count, part->items, part->count * sizeof(*items));
	run->count += part->count;
	if (part->started && (!run->started || part->started < run->started))
		run->started = part->started;
	if (part->seconds > run->seconds)
		run->seconds = part->seconds;
	free(part->items);
	part->items = NULL;
	part->count = 0;
	return 0;
}

/* Only empty shards: one suite of no tests, as junit.c writes for an empty
 * run (viewers fail on a bare <testsuites>). */
static int empty_suite(merged_doc *m)
{
	static const char *const attrs[][2] = {
		{ "name", "leakgate" }, { "tests", "0" }, { "failures", "0" },
		{ "errors", "0" }, { "skipped", "0" },
	};
	xmlNodePtr suite;

	if (!xmlAddChild(m->root, xmlNewDocText(m->doc, BAD_CAST "\n  ")) ||
	    !(suite = xmlNewChild(m->root, NULL, BAD_CAST "testsuite", NULL)) ||
	    !xmlAddChild(m->root, xmlNewDocText(m->doc, BAD_CAST "\n")))
		return lg_error_oom();
	for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++)
		if (!xmlNewProp(suite, BAD_CAST attrs[i][0], BAD_CAST attrs[i][1]))
			return lg_error_oom();
	return 0;
}

static int serialize(lg_buf *out, merged_doc *m, const lg_run_result *run)
{
	char value[64];
	xmlChar *text = NULL;
	int len = 0, rc;

	snprintf(value, sizeof(value), "%zu", run->count);
	if (!xmlNewProp(m->root, BAD_CAST "name", BAD_CAST "leakgate") ||
	    !xmlNewProp(m->root, BAD_CAST "tests", BAD_CAST value))
		goto oom;
	snprintf(value, sizeof(value), "%lld", m->failures);
	if (!xmlNewProp(m->root, BAD_CAST "failures", BAD_CAST value))
		goto oom;
	snprintf(value, sizeof(value), "%lld", m->errors);
	if (!xmlNewProp(m->root, BAD_CAST "errors", BAD_CAST value))
		goto oom;
	snprintf(value, sizeof(value), "%.3f", run->seconds);
	if (!xmlNewProp(m->root, BAD_CAST "time", BAD_CAST value))
		goto oom;
	if (run->count && !xmlAddChild(m->root, xmlNewDocText(m->doc, BAD_CAST "\n")))
		goto oom;
	if (run->count == 0 && (rc = empty_suite(m)) < 0)
		return rc;
	/* The copied suites keep their own indentation: no reformatting. */
	xmlDocDumpFormatMemoryEnc(m->doc, &text, &len, "UTF-8", 0);
	if (!text)
		goto oom;
	rc = lg_buf_add(out, (const char *)text, (size_t)len);
	xmlFree(text);
	return rc;
oom:
	return lg_error_oom();
}

int lg_junit_merge(lg_buf *xml_out, lg_run_result *run_out,
		   const char *const *paths, size_t count)
{
	xmlStructuredErrorFunc saved_handler = xmlStructuredError;
	void *saved_context = xmlStructuredErrorContext;
	lg_run_result run = LG_RUN_RESULT_INIT, part;
	merged_doc m;
	size_t *owner = NULL;
	int rc = 0;

	*run_out = run;
	memset(&m, 0, sizeof(m));
	if (count == 0) {
		lg_error_set("nothing to merge: no JUnit files");
		return LG_EINVALID;
	}
	xmlSetStructuredErrorFunc(NULL, quiet);
	m.doc = xmlNewDoc(BAD_CAST "1.0");
	m.root = m.doc ? xmlNewNode(NULL, BAD_CAST "testsuites") : NULL;
	if (!m.root) {
		rc = lg_error_oom();
		goto out;
	}
	xmlDocSetRootElement(m.doc, m.root);
	for (size_t k = 0; k < count && rc == 0; k++) {
		size_t *grown;

		if ((rc = lg_junit_read(&part, paths[k])) < 0)
			break;
		grown = realloc(owner, (run.count + part.count + 1) * sizeof(*owner));
		if (!grown) {
			lg_run_result_dispose(&part);
			rc = lg_error_oom();
			break;
		}
		owner = grown;
		for (size_t i = 0; i < part.count; i++)
			owner[run.count + i] = k;
		rc = append(&run, &part, paths[k], paths, owner);
		lg_run_result_dispose(&part);
		if (rc == 0)
			rc = copy_suites(&m, paths[k]);
	}
	if (rc == 0)
		rc = serialize(xml_out, &m, &run);
out:
	xmlFreeDoc(m.doc);
	xmlSetStructuredErrorFunc(saved_context, saved_handler);
	free(owner);
	if (rc < 0) {
		lg_run_result_dispose(&run);
		return rc;
	}
	*run_out = run;
	return 0;
}
