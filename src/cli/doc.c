#include "doc.h"

#include <stdlib.h>
#include <string.h>

#include "leakgate/buf.h"
#include "leakgate/error.h"
#include "leakgate/setting.h"

#include "cli.h"

#ifndef LG_VERSION
#define LG_VERSION "dev"
#endif

/* What a key takes in the file: "BYTES", "auto|always|never". */
static int key_value(lg_buf *out, const lg_setting *s)
{
	int rc = 0;

	switch (s->type) {
	case LG_SETTING_CHOICE:
		for (size_t i = 0; s->choices[i].name && rc == 0; i++)
			rc = lg_buf_printf(out, "%s%s", i ? "|" : "", s->choices[i].name);
		return rc;
	case LG_SETTING_BOOL:
		return lg_buf_puts(out, "true|false");
	default:
		return lg_buf_puts(out, s->value_name);
	}
}

/* Roff text: a backslash is \e, a dash \-, and a line never starts with
 * a control character. */
static void roff_text(FILE *out, const char *text)
{
	int line_start = 1;

	for (const char *p = text; *p; p++) {
		if (line_start && (*p == '.' || *p == '\''))
			fputs("\\&", out);
		if (*p == '\\')
			fputs("\\e", out);
		else if (*p == '-')
			fputs("\\-", out);
		else
			fputc(*p, out);
		line_start = *p == '\n';
	}
}

/* A command's --help, as it prints it, in a no-fill block. */
static int roff_usage(FILE *out, void (*usage)(FILE *))
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);

	if (!mem)
		return lg_error_set_os("the man page");
	usage(mem);
	if (fclose(mem) != 0) {
		free(text);
		return lg_error_oom();
	}
	fputs(".PP\n.nf\n", out);
	roff_text(out, text);
	fputs(".fi\n", out);
	free(text);
	return 0;
}

/* Where a key may be set, when not in both sections. */
static const char *key_where(const lg_setting *s)
{
	if (!(s->flags & LG_SETTING_WORKLOAD))
		return "[leakgate] only";
	if (!(s->flags & LG_SETTING_LEAKGATE))
		return "[workload] only";
	return NULL;
}

static int roff_setting(FILE *out, const lg_setting *s, lg_buf *value)
{
	int rc;

	lg_buf_clear(value);
	if (s->key && (rc = key_value(value, s)) < 0)
		return rc;
	fputs(".TP\n", out);
	if (s->option) {
		if (s->short_option)
			fprintf(out, "\\fB\\-%c\\fR, ", s->short_option);
		fputs("\\fB\\-\\-", out);
		roff_text(out, s->option);
		fputs("\\fR", out);
		if (s->value_name) {
			fputs(" \\fI", out);
			roff_text(out, s->value_name);
			fputs("\\fR", out);
		}
	}
	if (s->key) {
		fprintf(out, "%s\\fB", s->option ? "; " : "");
		roff_text(out, s->key);
		fputs(" = \\fI", out);
		roff_text(out, value->ptr);
		fputs("\\fR", out);
		if (key_where(s))
			fprintf(out, " (%s)", key_where(s));
	}
	fputc('\n', out);
	roff_text(out, s->help);
	if (s->default_text) {
		fputs(" (default ", out);
		roff_text(out, s->default_text);
		fputc(')', out);
	}
	fputs(s->key ? ".\n" : "; command line only.\n", out);
	return 0;
}

int lg_doc_man(FILE *out)
{
	const lg_cli_command *commands;
	const lg_cli_exit *exits;
	size_t ncommands, nexits;
	lg_buf value = LG_BUF_INIT;
	int rc = 0;

	commands = lg_cli_commands(&ncommands);
	exits = lg_cli_exits(&nexits);
	fputs(".TH LEAKGATE 1 \"\" \"leakgate " LG_VERSION "\" \"User Commands\"\n"
	      ".SH NAME\n"
	      "leakgate \\- catch Python memory leaks before they merge\n"
	      ".SH SYNOPSIS\n"
	      ".B leakgate\n"
	      ".I command\n"
	      ".RI [ options ]\n"
	      ".SH DESCRIPTION\n", out);
	roff_text(out, LG_CLI_ABOUT "\n");
	fputs(".SH COMMANDS\n", out);
	for (size_t i = 0; i < ncommands && rc == 0; i++) {
		fprintf(out, ".SS %s\n", commands[i].name);
		roff_text(out, commands[i].help);
		fputs(".\n", out);
		if (commands[i].usage)
			rc = roff_usage(out, commands[i].usage);
	}
	fputs(".SH SETTINGS\n"
	      "A setting is given on the command line of run and baseline "
	      "record, in the [workload \"NAME\"] section of the configuration "
	      "file (\\-\\-config, git\\-config syntax), or in its [leakgate] "
	      "section for every workload; the first of these that gives it "
	      "wins, else the default.\n", out);
	for (size_t i = 0; i < lg_settings_count && rc == 0; i++)
		rc = roff_setting(out, &lg_settings[i], &value);
	fputs(".SH EXIT STATUS\n", out);
	for (size_t i = 0; i < nexits; i++) {
		fprintf(out, ".TP\n.B %s\n", exits[i].code);
		roff_text(out, exits[i].meaning);
		fputs(".\n", out);
	}
	fputs(".SH SEE ALSO\n"
	      ".BR git\\-config (1),\n"
	      ".BR pytest (1)\n", out);
	lg_buf_dispose(&value);
	return rc;
}

/* A table cell: '|' escaped. */
static void markdown_cell(FILE *out, const char *text, int code)
{
	fputs(code ? " `" : " ", out);
	for (const char *p = text; *p; p++) {
		if (*p == '|')
			fputc('\\', out);
		fputc(*p, out);
	}
	fputs(code ? "` |" : " |", out);
}

int lg_doc_settings_markdown(FILE *out)
{
	lg_buf cell = LG_BUF_INIT;
	int rc = 0;

	fputs("| option | in the file | meaning | default |\n"
	      "| --- | --- | --- | --- |\n", out);
	for (size_t i = 0; i < lg_settings_count && rc == 0; i++) {
		const lg_setting *s = &lg_settings[i];

		lg_buf_clear(&cell);
		if (s->short_option)
			rc = lg_buf_printf(&cell, "-%c, ", s->short_option);
		if (s->option && rc == 0)
			rc = lg_buf_printf(&cell, "--%s%s%s", s->option,
					   s->value_name ? " " : "",
					   s->value_name ? s->value_name : "");
		if (rc < 0)
			break;
		fputc('|', out);
		if (cell.len)
			markdown_cell(out, lg_buf_cstr(&cell), 1);
		else
			fputs(" |", out);
		lg_buf_clear(&cell);
		if (s->key && ((rc = lg_buf_printf(&cell, "%s = ", s->key)) < 0 ||
			       (rc = key_value(&cell, s)) < 0))
			break;
		if (cell.len)
			markdown_cell(out, lg_buf_cstr(&cell), 1);
		else
			fputs(" |", out);
		lg_buf_clear(&cell);
		if ((rc = lg_buf_printf(&cell, "%s%s%s%s", s->help,
					s->key && key_where(s) ? " (" : "",
					s->key && key_where(s) ? key_where(s) : "",
					s->key && key_where(s) ? ")" : "")) < 0)
			break;
		markdown_cell(out, lg_buf_cstr(&cell), 0);
		markdown_cell(out, s->default_text ? s->default_text : "", 0);
		fputc('\n', out);
	}
	lg_buf_dispose(&cell);
	return rc;
}

int lg_doc_exit_codes_markdown(FILE *out)
{
	size_t count;
	const lg_cli_exit *exits = lg_cli_exits(&count);

	fputs("| code | meaning |\n| --- | --- |\n", out);
	for (size_t i = 0; i < count; i++) {
		fputc('|', out);
		markdown_cell(out, exits[i].code, 0);
		markdown_cell(out, exits[i].meaning, 0);
		fputc('\n', out);
	}
	if (ferror(out)) {
		lg_error_set("cannot write the exit codes");
		return LG_EOS;
	}
	return 0;
}
