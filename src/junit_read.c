/*
 * The JUnit reader's XML mechanics: a file lg_junit_render wrote, parsed
 * with libxml2's SAX2 interface within its limits, its elements and
 * attributes handed to the decoding (junit_decode.h) with the file and
 * line they came from. What is XML here: the document's shape (one
 * <testcase> per <testsuite>, its first <properties>), well-formedness,
 * entities, the input.
 */
#include "leakgate/junit_read.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <sys/stat.h>
#include <libxml/xmlerror.h>
#include <libxml/SAX2.h>

#include "leakgate/buf.h"
#include "leakgate/error.h"
#include "leakgate/junit_decode.h"
#include "leakgate/parse.h"
#include "leakgate/workload.h"
#include "leakgate/xml_text.h"

/* Bytes read from a file at a time. */
#define READ_BUFFER (1 << 16)

typedef struct {
	lg_junit_at at;         /* the file, the suite being read (for messages) */
	lg_run_result *run;
	size_t capacity;        /* of run->items */
	lg_junit_suite_fn each; /* NULL, or called with each suite read */
	void *each_ctx;
	xmlParserCtxtPtr ctxt;
	int rc;                 /* the error that stopped the parse */
	xmlError fatal;         /* libxml2's first fatal error (code 0: none) */
	int depth;              /* elements open */
	lg_buf scratch[2];      /* attribute values */

	/* The <testsuite> being read, from its start tag to its end tag. */
	enum { OUTSIDE, SUITE, EMPTY_SUITE } in;
	char *suite_name;
	char *stamp;
	long suite_line, props_line;
	enum { NO_PROPS, IN_PROPS, PROPS_READ } props; /* its first <properties> */
	int testcases;          /* <testcase> elements seen */
	int in_testcase;        /* inside the first one */
	int has_verdict;
	lg_junit_testcase tc;   /* its attributes and line; its children: */
	lg_junit_child *children; /* the testcase's, in order */
	size_t child_count, child_capacity;
	int in_child;           /* children[child_count - 1] is open */
} reader;

/* Where in the file: for lg_junit_invalid. */
#define AT(rd, line) (&(lg_junit_at){ (rd)->at.file, (rd)->at.suite, (line) })

/* rc, the first error, stops the parse; inside a suite only at its end,
 * so that a file cut short says so (not well-formed) as it did when the
 * suites were read whole. */
static void stop(reader *rd, int rc)
{
	if (rc < 0 && rd->rc == 0)
		rd->rc = rc;
	if (rd->rc < 0 && rd->in == OUTSIDE)
		xmlStopParser(rd->ctxt);
}

/* The value of attribute name among the SAX2 attributes (5 pointers
 * each: local name, prefix, URI, value, its end), as the tree holds it:
 * in rd->scratch[k] until the next call with k; *out NULL when absent. */
static int attribute(const char **out, reader *rd, int k, const xmlChar **attrs,
		     int count, const char *name)
{
	*out = NULL;
	for (int i = 0; i < count; i++, attrs += 5) {
		const char *v = (const char *)attrs[3];
		size_t len = (size_t)(attrs[4] - attrs[3]);
		xmlChar *decoded = NULL;
		int rc;

		if (strcmp((const char *)attrs[0], name) != 0)
			continue;
		/* The parser leaves '&' escaped ("&#38;", and references
		 * to entities of the DTD) for the tree builder to decode:
		 * decoded here as the tree would hold it, by libxml2's
		 * public tree API (xmlStringLenDecodeEntities, which
		 * xmlSAX2AttributeNs used, is deprecated from 2.12). */
		if (memchr(v, '&', len)) {
			xmlNodePtr list = xmlStringLenGetNodeList(rd->ctxt->myDoc,
								  attrs[3], (int)len);

			if (!list)
				return lg_error_oom();
			decoded = xmlNodeListGetString(rd->ctxt->myDoc, list, 1);
			xmlFreeNodeList(list);
			/* NULL too when it decodes to nothing (an entity
			 * without a value). */
			v = decoded ? (const char *)decoded : "";
			len = strlen(v);
		}
		lg_buf_clear(&rd->scratch[k]);
		rc = lg_buf_add(&rd->scratch[k], v, len);
		xmlFree(decoded);
		if (rc < 0)
			return rc;
		*out = lg_buf_cstr(&rd->scratch[k]);
		return 0;
	}
	return 0;
}

/* The same, copied into *out (freed first); NULL when absent. */
static int attribute_copy(char **out, reader *rd, const xmlChar **attrs, int count,
			  const char *name)
{
	const char *value;
	int rc = attribute(&value, rd, 0, attrs, count, name);

	free(*out);
	*out = NULL;
	if (rc < 0 || !value)
		return rc;
	return (*out = strdup(value)) ? 0 : lg_error_oom();
}

/* The root element: <testsuites>, whose time is the run's. */
static int root_element(reader *rd, long line, const char *name,
			const xmlChar **attrs, int count)
{
	const char *time;
	int rc;

	if (strcmp(name, "testsuites") != 0)
		return lg_junit_invalid(AT(rd, line), "the root element is <%s>, not "
					"<testsuites>: not a leakgate report", name);
	if ((rc = attribute(&time, rd, 0, attrs, count, "time")) < 0)
		return rc;
	if (time && lg_parse_double(&rd->run->seconds, time) < 0)
		return lg_junit_invalid(AT(rd, line), "<testsuites> time '%s' is not "
					"a number", time);
	return 0;
}

/* A <testsuite> starts: its result is added to the run. */
static int suite_start(reader *rd, long line, const xmlChar **attrs, int count)
{
	lg_run_result *run = rd->run;
	lg_workload_result *items;
	const char *tests;
	lg_workload wl;
	int rc;

	/* An empty shard's placeholder suite carries no result. */
	if ((rc = attribute(&tests, rd, 0, attrs, count, "tests")) < 0)
		return rc;
	if (tests && strcmp(tests, "0") == 0) {
		rd->in = EMPTY_SUITE;
		return 0;
	}
	rd->in = SUITE;
	rd->suite_line = line;
	rd->props = NO_PROPS;
	rd->testcases = rd->in_testcase = rd->has_verdict = 0;
	if ((rc = attribute_copy(&rd->stamp, rd, attrs, count, "timestamp")) < 0 ||
	    (rc = attribute_copy(&rd->suite_name, rd, attrs, count, "name")) < 0)
		return rc;
	if (!rd->suite_name)
		return lg_junit_invalid(AT(rd, line), "<testsuite> without a name");
	rd->at.suite = rd->suite_name;

	/* Doubling: 10,000 workloads must not mean 10,000 copies. */
	if (run->count == rd->capacity) {
		size_t capacity = rd->capacity ? rd->capacity * 2 : 16;

		if (!(items = realloc(run->items, capacity * sizeof(*items))))
			return lg_error_oom();
		run->items = items;
		rd->capacity = capacity;
	}
	if ((rc = lg_workload_init_defaults(&wl)) < 0)
		return rc;
	rc = lg_string_set(&wl.name, rd->suite_name);
	if (rc == 0)
		rc = lg_workload_result_init(&run->items[run->count], &wl,
					      LG_JUNIT_TAIL_MIN);
	lg_workload_dispose(&wl);
	if (rc < 0)
		return rc;
	run->items[run->count++].verdict = LG_VERDICT_ERROR; /* disposed with the run */
	return 0;
}

/* A <property> of the first <properties>. */
static int property_element(reader *rd, long line, const xmlChar **attrs, int count)
{
	lg_workload_result *r = &rd->run->items[rd->run->count - 1];
	const char *name, *value;
	int rc;

	if ((rc = attribute(&name, rd, 0, attrs, count, "name")) < 0 ||
	    (rc = attribute(&value, rd, 1, attrs, count, "value")) < 0)
		return rc;
	if (!name || !value)
		return lg_junit_invalid(AT(rd, line), "<property> without %s",
					name ? "a value" : "a name");
	if ((rc = lg_junit_decode_property(r, AT(rd, line), name, value)) == 0 &&
	    strcmp(name, "verdict") == 0)
		rd->has_verdict = 1;
	return rc;
}

/* A child of the first <testcase>: kept (its text to come) when it holds
 * part of the result. */
static int testcase_child(reader *rd, const char *name, const xmlChar **attrs,
			  int count)
{
	static const char *const names[] = {
		[LG_JUNIT_FAILURE] = "failure", [LG_JUNIT_ERROR] = "error",
		[LG_JUNIT_SKIPPED] = "skipped", [LG_JUNIT_SYSTEM_OUT] = "system-out",
		[LG_JUNIT_SYSTEM_ERR] = "system-err",
	};
	lg_junit_child *c;
	size_t k = 0;

	while (k < sizeof(names) / sizeof(*names) && strcmp(name, names[k]) != 0)
		k++;
	if (k == sizeof(names) / sizeof(*names))
		return 0;
	if (rd->child_count == rd->child_capacity) {
		size_t capacity = rd->child_capacity ? rd->child_capacity * 2 : 4;

		if (!(c = realloc(rd->children, capacity * sizeof(*c))))
			return lg_error_oom();
		rd->children = c;
		rd->child_capacity = capacity;
	}
	c = &rd->children[rd->child_count++];
	c->kind = (lg_junit_child_kind)k;
	c->message = NULL;
	c->text = (lg_buf)LG_BUF_INIT;
	rd->in_child = 1;
	if (k == LG_JUNIT_SYSTEM_OUT || k == LG_JUNIT_SYSTEM_ERR)
		return 0;
	return attribute_copy(&c->message, rd, attrs, count, "message");
}

/* An element starts, depth elements inside the root's parent (0: the
 * root). Inside a suite: its first <properties> (each <property> read at
 * once), its one <testcase> (kept until the suite ends), nothing else. */
static int element(reader *rd, int depth, const char *name, const xmlChar **attrs,
		   int count)
{
	static const char *const tc_attrs[LG_JUNIT_ATTRS] = {
		[LG_JUNIT_CLASSNAME] = "classname", [LG_JUNIT_NAME] = "name",
		[LG_JUNIT_FILE] = "file", [LG_JUNIT_LINE_ATTR] = "line",
		[LG_JUNIT_TIME] = "time",
	};
	long line = xmlSAX2GetLineNumber(rd->ctxt);
	int rc;

	if (depth == 0)
		return root_element(rd, line, name, attrs, count);
	if (depth == 1)
		return strcmp(name, "testsuite") == 0 ? suite_start(rd, line, attrs, count) : 0;
	if (rd->in != SUITE)
		return 0;
	if (depth == 2 && strcmp(name, "properties") == 0 && rd->props == NO_PROPS) {
		rd->props = IN_PROPS;
		rd->props_line = line;
	} else if (depth == 2 && strcmp(name, "testcase") == 0) {
		if (rd->testcases++)
			return lg_junit_invalid(AT(rd, line), "more than one <testcase>: "
						"not a leakgate report");
		rd->in_testcase = 1;
		rd->tc.line = line;
		for (int k = 0; k < LG_JUNIT_ATTRS; k++)
			if ((rc = attribute_copy(&rd->tc.attrs[k], rd, attrs, count,
						 tc_attrs[k])) < 0)
				return rc;
		return 0;
	} else if (depth == 3 && rd->props == IN_PROPS && strcmp(name, "property") == 0) {
		return property_element(rd, line, attrs, count);
	} else if (depth == 3 && rd->in_testcase) {
		return testcase_child(rd, name, attrs, count);
	}
	return 0;
}

/* The suite read through: its checks, the testcase, its start time. */
static int suite_end(reader *rd)
{
	lg_run_result *run = rd->run;
	lg_workload_result *r = &run->items[run->count - 1];
	time_t started;
	int rc;

	if (rd->props == NO_PROPS || !rd->testcases)
		return lg_junit_invalid(AT(rd, rd->suite_line), "no <%s>: not a leakgate "
					"report", rd->props != NO_PROPS ? "testcase"
					: "properties");
	if (!rd->has_verdict)
		return lg_junit_invalid(AT(rd, rd->props_line), "no 'verdict' property: "
					"not written by leakgate");
	rd->tc.children = rd->children;
	rd->tc.count = rd->child_count;
	if ((rc = lg_junit_decode_suite(r, &rd->at, &rd->tc)) < 0)
		return rc;
	started = lg_junit_decode_stamp(rd->stamp);
	if (started && (!run->started || started < run->started))
		run->started = started;
	return 0;
}

/* Back outside any suite: what was kept of the last one freed. */
static void suite_clear(reader *rd)
{
	for (size_t i = 0; i < rd->child_count; i++) {
		free(rd->children[i].message);
		lg_buf_dispose(&rd->children[i].text);
	}
	rd->child_count = 0;
	rd->in_child = 0;
	for (int i = 0; i < LG_JUNIT_ATTRS; i++) {
		free(rd->tc.attrs[i]);
		rd->tc.attrs[i] = NULL;
	}
	free(rd->suite_name);
	free(rd->stamp);
	rd->suite_name = rd->stamp = NULL;
	rd->at.suite = NULL;
	rd->in = OUTSIDE;
}

/*
 * The SAX2 handlers: the document is read as libxml2 parses it, into the
 * model, without a tree (building one and freeing it took most of the
 * time). A caller that copies the suites (each) gets each one built as a
 * tree by libxml2's own handlers, freed once each has it.
 */
static void on_start(void *ctx, const xmlChar *local, const xmlChar *prefix,
		     const xmlChar *uri, int ns_count, const xmlChar **ns,
		     int count, int defaulted, const xmlChar **attrs)
{
	xmlParserCtxtPtr ctxt = ctx;
	reader *rd = ctxt->_private;

	if (rd->each)
		xmlSAX2StartElementNs(ctx, local, prefix, uri, ns_count, ns, count,
				      defaulted, attrs);
	if (rd->rc == 0)
		stop(rd, element(rd, rd->depth, (const char *)local, attrs, count));
	rd->depth++;
}

static void on_end(void *ctx, const xmlChar *local, const xmlChar *prefix,
		   const xmlChar *uri)
{
	xmlParserCtxtPtr ctxt = ctx;
	reader *rd = ctxt->_private;
	xmlNodePtr node = ctxt->node; /* the element ending, when building */
	int depth = --rd->depth, rc = 0;

	if (rd->each)
		xmlSAX2EndElementNs(ctx, local, prefix, uri);
	if (depth == 3)
		rd->in_child = 0;
	else if (depth == 2 && rd->props == IN_PROPS)
		rd->props = PROPS_READ;
	else if (depth == 2)
		rd->in_testcase = 0;
	if (depth != 1 || rd->in == OUTSIDE)
		return;
	if (rd->in == SUITE && rd->rc == 0 && (rc = suite_end(rd)) == 0 && rd->each)
		rc = rd->each(rd->each_ctx, node);
	suite_clear(rd);
	if (rd->each) {
		xmlUnlinkNode(node);
		xmlFreeNode(node);
	}
	stop(rd, rc); /* outside now: an error inside stops here */
}

static void text(reader *rd, const xmlChar *ch, int len)
{
	if (rd->in_child && rd->rc == 0)
		stop(rd, lg_buf_add(&rd->children[rd->child_count - 1].text,
				    (const char *)ch, (size_t)len));
}

static void on_characters(void *ctx, const xmlChar *ch, int len)
{
	xmlParserCtxtPtr ctxt = ctx;
	reader *rd = ctxt->_private;

	/* Between the suites: not copied. */
	if (rd->each && rd->in != OUTSIDE)
		xmlSAX2Characters(ctx, ch, len);
	text(rd, ch, len);
}

static void on_cdata(void *ctx, const xmlChar *ch, int len)
{
	xmlParserCtxtPtr ctxt = ctx;
	reader *rd = ctxt->_private;

	if (rd->each && rd->in != OUTSIDE)
		xmlSAX2CDataBlock(ctx, ch, len);
	text(rd, ch, len);
}

/* An entity declared in a shard (its own DTD): its suites, copied as
 * written, would refer to it in a merged file that has no DTD, which
 * would not be well-formed. */
static void on_entity_decl(void *ctx, const xmlChar *name, int type,
			   const xmlChar *public_id, const xmlChar *system_id,
			   xmlChar *content)
{
	xmlParserCtxtPtr ctxt = ctx;
	reader *rd = ctxt->_private;

	(void)type;
	(void)public_id;
	(void)system_id;
	(void)content;
	stop(rd, lg_junit_invalid(AT(rd, xmlSAX2GetLineNumber(ctxt)), "declares "
				  "entity '%s': its suites cannot be copied into a "
				  "merged file without its DTD", (const char *)name));
}

/* The document handed to libxml2 piece by piece: an input it may shrink
 * as it goes, so that a file past its 10 MB lookup limit still reads
 * (10,000 workloads make ~40 MB) with every other limit kept. */
typedef struct {
	const char *data;
	size_t len;
	size_t at;
} memory_input;

static int memory_read(void *ctx, char *buffer, int size)
{
	memory_input *in = ctx;
	size_t n = in->len - in->at < (size_t)size ? in->len - in->at : (size_t)size;

	memcpy(buffer, in->data + in->at, n);
	in->at += n;
	return (int)n;
}

static int file_read(void *ctx, char *buffer, int size)
{
	FILE *f = ctx;
	size_t n = fread(buffer, 1, (size_t)size, f);

	return n == 0 && ferror(f) ? -1 : (int)n;
}

/* The input is its owner's to close. */
static int input_close(void *ctx)
{
	(void)ctx;
	return 0;
}

/* No network; no whitespace-only text (the indentation) unless the
 * suites are copied (each), which keep theirs; no IDs looked for in the
 * copied trees. */
#define READ_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOBLANKS)
#define COPY_OPTIONS (XML_PARSE_NONET | XML_PARSE_COMPACT)

/* The structured error handler: the first fatal error kept (the parser
 * goes on after it, and what it says then is of little use); libxml2
 * reports a text node over its limit as running out of memory. */
static void keep_fatal(void *context, lg_xml_error error)
{
	reader *rd = context;

	if ((error->level == XML_ERR_FATAL || error->code == XML_ERR_NO_MEMORY) &&
	    rd->fatal.code == 0)
		xmlCopyError(error, &rd->fatal);
}

/* libxml2's limit on one text or attribute (without XML_PARSE_HUGE, which
 * would also lift its guards against entity expansion), by its messages:
 * "AttValue length too long", "Huge input lookup", "huge text node". */
static int over_limit(const char *message)
{
	return strstr(message, "too long") || strstr(message, "Huge input") ||
	       strstr(message, "huge text");
}

/* Read the document that read(ctx) gives into out. */
static int read_document(lg_run_result *out, xmlInputReadCallback read, void *ctx,
			 const char *name, lg_junit_suite_fn each, void *each_ctx)
{
	xmlStructuredErrorFunc saved_handler = xmlStructuredError;
	void *saved_context = xmlStructuredErrorContext;
	lg_run_result run = LG_RUN_RESULT_INIT;
	reader rd;
	xmlSAXHandler sax;
	xmlParserCtxtPtr ctxt;
	int rc = 0;

	memset(&rd, 0, sizeof(rd));
	rd.at.file = name;
	rd.run = &run;
	rd.each = each;
	rd.each_ctx = each_ctx;
	rd.scratch[0] = rd.scratch[1] = (lg_buf)LG_BUF_INIT;
	/* libxml2's tree builders, but for the elements and their text. */
	xmlSAXVersion(&sax, 2);
	sax.startElementNs = on_start;
	sax.endElementNs = on_end;
	sax.characters = sax.ignorableWhitespace = on_characters;
	sax.cdataBlock = on_cdata;
	if (!each) {
		sax.comment = NULL;
		sax.processingInstruction = NULL;
		sax.reference = NULL;
	} else {
		sax.entityDecl = on_entity_decl;
	}

	xmlSetStructuredErrorFunc(&rd, keep_fatal);
	xmlResetLastError();
	if (!(ctxt = xmlCreateIOParserCtxt(&sax, NULL, read, input_close, ctx,
					   XML_CHAR_ENCODING_NONE))) {
		rc = lg_error_oom();
	} else {
		rd.ctxt = ctxt;
		ctxt->_private = &rd;
		xmlCtxtUseOptions(ctxt, each ? COPY_OPTIONS : READ_OPTIONS);
		ctxt->loadsubset |= XML_SKIP_IDS;
		xmlParseDocument(ctxt);
		rc = rd.rc;
		/* Not well-formed before the error's suite ended: that is what
		 * is wrong. */
		if (!ctxt->wellFormed) {
			const xmlError *e = rd.fatal.code ? &rd.fatal : xmlGetLastError();
			char reason[256];
			size_t n;

			snprintf(reason, sizeof(reason), "%s", e && e->message
				 ? e->message : "not well-formed XML");
			n = strlen(reason);
			while (n && (reason[n - 1] == '\n' || reason[n - 1] == ' '))
				reason[--n] = '\0';
			if (over_limit(reason))
				snprintf(reason, sizeof(reason), "a text or attribute "
					 "over libxml2's limit of %d bytes (leakgate "
					 "writes none so long: it keeps %d bytes of a "
					 "workload's output)", XML_MAX_TEXT_LENGTH,
					 LG_JUNIT_TAIL_MIN);
			if (e && e->line > 0)
				lg_error_set("%s: line %d: not well-formed XML: %s", name,
					     e->line, reason);
			else
				lg_error_set("%s: not well-formed XML: %s", name, reason);
			rc = LG_EINVALID;
		}
		xmlFreeDoc(ctxt->myDoc);
		xmlFreeParserCtxt(ctxt);
	}
	xmlResetError(&rd.fatal);
	suite_clear(&rd);
	free(rd.children);
	lg_buf_dispose(&rd.scratch[0]);
	lg_buf_dispose(&rd.scratch[1]);
	xmlSetStructuredErrorFunc(saved_context, saved_handler);
	if (rc < 0) {
		lg_run_result_dispose(&run);
		return rc;
	}
	*out = run;
	return 0;
}

int lg_junit_read_memory(lg_run_result *out, const char *data, size_t len,
			 const char *name)
{
	memory_input input = { data, len, 0 };

	*out = (lg_run_result)LG_RUN_RESULT_INIT;
	return read_document(out, memory_read, &input, name, NULL, NULL);
}

int lg_junit_read_each(lg_run_result *out, const char *path,
		       lg_junit_suite_fn each, void *ctx)
{
	/* Not blocking in open: a FIFO that nothing writes gives no data. */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	FILE *f = NULL;
	char *buffer = NULL;
	int rc, c;

	*out = (lg_run_result)LG_RUN_RESULT_INIT;
	if (fd < 0) {
		lg_error_set_os("cannot read '%s'", path);
		return LG_ENOTFOUND;
	}
	if (fstat(fd, &st) < 0 || fcntl(fd, F_SETFL, 0) < 0) {
		close(fd);
		return lg_error_set_os("cannot read '%s'", path);
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		lg_error_set("%s: a directory, not a JUnit file", path);
		return LG_EINVALID;
	}
	if (!(f = fdopen(fd, "rb"))) {
		close(fd);
		return lg_error_set_os("cannot read '%s'", path);
	}
	/* A FIFO whose writer has not come (or gone): said so, not "Document
	 * is empty"; a read ends at once, with nothing. */
	if (S_ISFIFO(st.st_mode) && (c = getc(f)) == EOF) {
		fclose(f);
		lg_error_set("%s: a FIFO that nothing writes", path);
		return LG_EINVALID;
	} else if (S_ISFIFO(st.st_mode)) {
		ungetc(c, f);
	}
	/* libxml2 asks for 4 KB at a time: 10,000 reads for 40 MB without
	 * a larger buffer (glibc's is 4 KB unless given one). */
	if (!(buffer = malloc(READ_BUFFER)) ||
	    setvbuf(f, buffer, _IOFBF, READ_BUFFER) != 0)
		rc = lg_error_oom();
	else
		rc = read_document(out, file_read, f, path, each, ctx);
	fclose(f);
	free(buffer);
	return rc;
}

int lg_junit_read(lg_run_result *out, const char *path)
{
	return lg_junit_read_each(out, path, NULL, NULL);
}
