#ifndef LG_RUN_H
#define LG_RUN_H

/*
 * Helpers for the integration tests (tests/test_run_*.c), header-only
 * because each test file is its own program: run the real leakgate binary,
 * read its JUnit file with libxml2, validate it against the schema copied
 * into tests/data.
 */
#include "lg_test.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/xmlschemas.h>
#include <libxml/xpath.h>

#include "leakgate/buf.h"

#define LG_RUN_UNUSED __attribute__((unused))

typedef struct {
	int code;  /* exit code; 128+N when killed by signal N */
	char *out; /* standard output */
	char *err; /* standard error */
} lg_run_output;

LG_RUN_UNUSED static const char *lg_run_binary(void)
{
	const char *env = getenv("LEAKGATE");

	return env && *env ? env : LG_SOURCE_DIR "/build/leakgate";
}

LG_RUN_UNUSED static char *lg_run_slurp_fd(int fd)
{
	size_t len = 0, cap = 4096;
	char *text = malloc(cap);
	ssize_t n;

	assert_non_null(text);
	lseek(fd, 0, SEEK_SET);
	while ((n = read(fd, text + len, cap - len - 1)) > 0) {
		len += (size_t)n;
		if (cap - len < 2) {
			cap *= 2;
			text = realloc(text, cap);
			assert_non_null(text);
		}
	}
	text[len] = '\0';
	return text;
}

/*
 * Run the program argv[0] (a path; argv NULL-terminated) in cwd. env, when
 * not NULL, changes the child's environment first: "NAME=VALUE" sets,
 * "NAME" unsets (NULL-terminated); COLUMNS is unset before.
 */
LG_RUN_UNUSED static void lg_run_spawn(lg_run_output *res, const char *cwd,
				       const char *const *argv,
				       const char *const *env)
{
	char out_path[] = "/tmp/lg-run-out-XXXXXX";
	char err_path[] = "/tmp/lg-run-err-XXXXXX";
	int out_fd = mkstemp(out_path), err_fd = mkstemp(err_path);
	pid_t pid;
	int status;

	assert_true(out_fd >= 0 && err_fd >= 0);
	unlink(out_path);
	unlink(err_path);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);

		/* The report wraps at COLUMNS: the tests read it unwrapped
		 * unless they set it. */
		unsetenv("COLUMNS");
		for (size_t i = 0; env && env[i]; i++) {
			if (strchr(env[i], '='))
				putenv((char *)env[i]);
			else
				unsetenv(env[i]);
		}
		if (cwd && chdir(cwd) < 0)
			_exit(126);
		dup2(devnull, 0);
		dup2(out_fd, 1);
		dup2(err_fd, 2);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	res->code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	res->out = lg_run_slurp_fd(out_fd);
	res->err = lg_run_slurp_fd(err_fd);
	close(out_fd);
	close(err_fd);
}

/* Run the binary with args (NULL-terminated, without argv[0]) in cwd, its
 * environment changed by env as lg_run_spawn's (or NULL). */
LG_RUN_UNUSED static void lg_run_exec_env(lg_run_output *res, const char *cwd,
					  const char *const *args,
					  const char *const *env)
{
	const char *argv[64];
	size_t n = 0;

	argv[n++] = lg_run_binary();
	while (args[n - 1] && n < 63) {
		argv[n] = args[n - 1];
		n++;
	}
	argv[n] = NULL;
	lg_run_spawn(res, cwd, argv, env);
}

/* Run the binary with args (NULL-terminated, without argv[0]) in cwd. */
LG_RUN_UNUSED static void lg_run_exec(lg_run_output *res, const char *cwd,
				      const char *const *args)
{
	lg_run_exec_env(res, cwd, args, NULL);
}

LG_RUN_UNUSED static void lg_run_output_dispose(lg_run_output *res)
{
	free(res->out);
	free(res->err);
	res->out = res->err = NULL;
}

LG_RUN_UNUSED static char *lg_run_tmpdir(void)
{
	char tmpl[] = "/tmp/lg-test-XXXXXX";
	char *dir = mkdtemp(tmpl);

	assert_non_null(dir);
	dir = strdup(dir);
	assert_non_null(dir);
	return dir;
}

LG_RUN_UNUSED static void lg_run_rmtree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char child[4096];
	struct stat st;

	if (!d) {
		unlink(path);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(child, sizeof(child), "%s/%s", path, e->d_name);
		if (lstat(child, &st) == 0 && S_ISDIR(st.st_mode))
			lg_run_rmtree(child);
		else
			unlink(child);
	}
	closedir(d);
	rmdir(path);
}

LG_RUN_UNUSED static void lg_run_write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* Append a [workload] section per name, its target the run function of
 * tests/workloads/<name>.py. */
LG_RUN_UNUSED static void lg_run_config_workloads(lg_buf *text,
						  const char *const *names,
						  size_t count)
{
	for (size_t i = 0; i < count; i++)
		assert_lg_ok(lg_buf_printf(text, "[workload \"%s\"]\n\ttarget = "
					   "%s/tests/workloads/%s.py:run\n",
					   names[i], LG_SOURCE_DIR, names[i]));
}

/* Parse path and validate it against the JUnit schema; fails on either. */
LG_RUN_UNUSED static xmlDocPtr lg_run_load_junit(const char *path)
{
	xmlSchemaParserCtxtPtr pctx =
		xmlSchemaNewParserCtxt(LG_SOURCE_DIR "/tests/data/junit-10.xsd");
	xmlSchemaPtr schema = xmlSchemaParse(pctx);
	xmlSchemaValidCtxtPtr vctx;
	xmlDocPtr doc = xmlReadFile(path, NULL, XML_PARSE_NONET);
	int valid;

	assert_non_null(schema);
	if (!doc)
		fail_msg("%s: not well-formed XML (or missing)", path);
	vctx = xmlSchemaNewValidCtxt(schema);
	valid = xmlSchemaValidateDoc(vctx, doc);
	xmlSchemaFreeValidCtxt(vctx);
	xmlSchemaFree(schema);
	xmlSchemaFreeParserCtxt(pctx);
	if (valid != 0)
		fail_msg("%s: does not validate against junit-10.xsd", path);
	return doc;
}

LG_RUN_UNUSED static double lg_run_xpath_number(xmlDocPtr doc, const char *expr)
{
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	xmlXPathObjectPtr obj = xmlXPathEvalExpression((const xmlChar *)expr, ctx);
	double v;

	if (!obj)
		fail_msg("bad XPath: %s", expr);
	v = xmlXPathCastToNumber(obj);
	xmlXPathFreeObject(obj);
	xmlXPathFreeContext(ctx);
	return v;
}

/* The string value of expr; the caller frees it with free(). */
LG_RUN_UNUSED static char *lg_run_xpath_string(xmlDocPtr doc, const char *expr)
{
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	xmlXPathObjectPtr obj = xmlXPathEvalExpression((const xmlChar *)expr, ctx);
	xmlChar *s;
	char *copy;

	if (!obj)
		fail_msg("bad XPath: %s", expr);
	s = xmlXPathCastToString(obj);
	copy = strdup((const char *)s);
	xmlFree(s);
	xmlXPathFreeObject(obj);
	xmlXPathFreeContext(ctx);
	return copy;
}

/* The value of the property name of workload's testsuite in doc, "" when
 * it has none; the caller frees it with free(). */
LG_RUN_UNUSED static char *lg_run_property(xmlDocPtr doc, const char *workload,
					   const char *name)
{
	char expr[512];

	snprintf(expr, sizeof(expr),
		 "string(//testsuite[@name='%s']/properties/property[@name='%s']/@value)",
		 workload, name);
	return lg_run_xpath_string(doc, expr);
}

/* Every property of workload's testsuite in doc on stderr, a line each:
 * what a failed assertion on a verdict needs to be understood (the fits). */
LG_RUN_UNUSED static void lg_run_print_properties(xmlDocPtr doc,
						  const char *workload)
{
	xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
	xmlXPathObjectPtr obj;
	char expr[512];

	assert_non_null(ctx);
	snprintf(expr, sizeof(expr),
		 "//testsuite[@name='%s']/properties/property", workload);
	obj = xmlXPathEvalExpression(BAD_CAST expr, ctx);
	if (obj && obj->nodesetval) {
		for (int i = 0; i < obj->nodesetval->nodeNr; i++) {
			xmlNodePtr p = obj->nodesetval->nodeTab[i];
			xmlChar *k = xmlGetProp(p, BAD_CAST "name");
			xmlChar *v = xmlGetProp(p, BAD_CAST "value");

			print_error("  %s = %s\n", (char *)k, (char *)v);
			xmlFree(k);
			xmlFree(v);
		}
	}
	xmlXPathFreeObject(obj);
	xmlXPathFreeContext(ctx);
}

/* The workload's verdict property is `verdict`; when not, its message and
 * properties are printed before the assertion fails. */
LG_RUN_UNUSED static void lg_run_assert_verdict(xmlDocPtr doc, const char *workload,
						const char *verdict)
{
	char *v = lg_run_property(doc, workload, "verdict");

	if (strcmp(v, verdict) != 0) {
		char expr[512], *msg;

		snprintf(expr, sizeof(expr),
			 "string(//testsuite[@name='%s']//@message)", workload);
		msg = lg_run_xpath_string(doc, expr);
		print_error("%s: verdict %s, expected %s (%s)\n", workload, v,
			    verdict, msg);
		free(msg);
		lg_run_print_properties(doc, workload);
	}
	assert_string_equal(v, verdict);
	free(v);
}

/* Undo a test's setup: the output of its run and its JUnit document (either
 * may be NULL), its directory (removed; the name freed), and libxml2's
 * global state. */
LG_RUN_UNUSED static void lg_run_cleanup(char *dir, lg_run_output *run,
					 xmlDocPtr doc)
{
	xmlFreeDoc(doc);
	if (run)
		lg_run_output_dispose(run);
	lg_run_rmtree(dir);
	free(dir);
	xmlCleanupParser();
}

/* A test's own directory (cmocka setup and teardown) and a path in it. */
typedef struct {
	char *dir;
	char path[4096];
} lg_run_fixture;

LG_RUN_UNUSED static int lg_run_fixture_setup(void **state)
{
	lg_run_fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->dir = lg_run_tmpdir();
	*state = f;
	return 0;
}

LG_RUN_UNUSED static int lg_run_fixture_teardown(void **state)
{
	lg_run_fixture *f = *state;

	lg_run_cleanup(f->dir, NULL, NULL);
	free(f);
	return 0;
}

/* A cmocka test with its own directory (an lg_run_fixture in *state). */
#define lg_run_fixture_test(test) \
	cmocka_unit_test_setup_teardown(test, lg_run_fixture_setup, \
					lg_run_fixture_teardown)

/* A suite of tests over one run of the binary (lg_run_suite_new). */
typedef struct {
	char *dir;         /* its own directory */
	lg_run_output run; /* the run */
	xmlDocPtr doc;     /* the run's JUnit file, validated */
} lg_run_suite;

/*
 * A cmocka group setup's work: a new directory in which config goes to
 * <name>.conf, then `leakgate run OPTIONS --config <name>.conf --junit
 * <name>.xml -j 2` (options NULL-terminated, or NULL for none). The suites'
 * runs find leaks: any exit code but 1 prints the run's output.
 */
LG_RUN_UNUSED static lg_run_suite *lg_run_suite_new(const char *name,
						    const char *config,
						    const char *const *options)
{
	lg_run_suite *s = calloc(1, sizeof(*s));
	char conf[4096], junit[4096];
	const char *args[16];
	size_t n = 0;

	assert_non_null(s);
	s->dir = lg_run_tmpdir();
	snprintf(conf, sizeof(conf), "%s/%s.conf", s->dir, name);
	snprintf(junit, sizeof(junit), "%s/%s.xml", s->dir, name);
	lg_run_write_file(conf, config);
	args[n++] = "run";
	while (options && *options && n < 9)
		args[n++] = *options++;
	args[n++] = "--config";
	args[n++] = conf;
	args[n++] = "--junit";
	args[n++] = junit;
	args[n++] = "-j";
	args[n++] = "2";
	args[n] = NULL;
	lg_run_exec(&s->run, NULL, args);
	if (s->run.code != 1)
		print_error("stdout:\n%s\nstderr:\n%s\n", s->run.out, s->run.err);
	s->doc = lg_run_load_junit(junit);
	return s;
}

/* The cmocka group teardown of a suite from lg_run_suite_new. */
LG_RUN_UNUSED static int lg_run_suite_teardown(void **state)
{
	lg_run_suite *s = *state;

	if (!s) /* the setup failed before it was done: its failure says why */
		return 0;
	lg_run_cleanup(s->dir, &s->run, s->doc);
	free(s);
	return 0;
}

#endif
