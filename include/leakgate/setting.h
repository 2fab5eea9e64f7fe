#ifndef LEAKGATE_SETTING_H
#define LEAKGATE_SETTING_H

#include <stddef.h>
#include <stdint.h>

#include "leakgate/config.h"

/*
 * The settings: one row each, the one place a setting is declared. Read by
 * the configuration file (config.c), the command line of `run` and
 * `baseline record` (src/cli/run_setup.c), their --help, the man page and
 * the README's table (`leakgate --settings-markdown`). Adding a setting is
 * one row in src/setting.c and its field (git's parse-options.h OPT_*,
 * libgit2's cli_opt_spec).
 *
 * Precedence: the command line, then the workload's [workload "NAME"]
 * section, then [leakgate], then the built-in default (workload.h).
 */

typedef enum {
	LG_SETTING_NUMBER,  /* double, >= min (> min when min_exclusive) */
	LG_SETTING_WHOLE,   /* int64_t in [min, max] */
	LG_SETTING_JOBS,    /* int: auto (the processors, proc.h) or [min, max] */
	LG_SETTING_SIZE,    /* int64_t MiB: lg_parse_size_mb */
	LG_SETTING_BOOL,    /* int 0/1: git's booleans in the file */
	LG_SETTING_CHOICE,  /* int: the value of one of choices */
	LG_SETTING_STRING,  /* char *: not empty unless LG_SETTING_EMPTY_OK */
	LG_SETTING_PROGRAM, /* char *: with a '/', a path (relative to the
			     * file's directory); else a name on PATH */
	LG_SETTING_TARGET   /* char *: a workload target (workload.h); a file
			     * relative to the file's directory */
} lg_setting_type;

/* Where a row applies. */
enum {
	LG_SETTING_LEAKGATE = 1u << 0, /* its key is allowed in [leakgate] */
	LG_SETTING_WORKLOAD = 1u << 1, /* ... and in [workload "NAME"] */
	LG_SETTING_RUN_WIDE = 1u << 2, /* the field is lg_config's, not a
					* workload's: one value for the run */
	LG_SETTING_RUN_ONLY = 1u << 3, /* the option is `run`'s only, not
					* `baseline record`'s */
	LG_SETTING_EMPTY_OK = 1u << 4  /* STRING: "" is a value */
};

typedef struct {
	const char *name;
	int value;
} lg_setting_choice;

typedef struct {
	const char *key;        /* in the file, lower case; NULL: option only */
	const char *option;     /* long option without "--"; NULL: file only */
	char short_option;      /* 'j' for -j; 0: none */
	const char *value_name; /* "BYTES"; NULL: the option is a switch */
	lg_setting_type type;
	unsigned flags;
	size_t offset;          /* of the field in lg_workload, or in
				 * lg_config with LG_SETTING_RUN_WIDE */
	int switch_value;       /* what the switch stores (an int field) */
	double min, max;        /* NUMBER, WHOLE, JOBS */
	int min_exclusive;      /* NUMBER: > min */
	const lg_setting_choice *choices; /* CHOICE: up to a NULL name */
	const char *default_text;   /* for --help and the docs; NULL: none */
	const char *help;       /* one sentence, unwrapped */
} lg_setting;

extern const lg_setting lg_settings[];
extern const size_t lg_settings_count;

/* A row's bit in a mask of rows given (at most 32 rows). */
#define LG_SETTING_BIT(row) ((uint32_t)1 << (row))

/* The row of a key (allowed by `flags`, one of LG_SETTING_LEAKGATE or
 * _WORKLOAD), or of a long option; -1 when none. */
int lg_setting_find_key(const char *key, unsigned flags);
int lg_setting_find_option(const char *option);

/*
 * Parse a value of row `row` from the file into the row's field of wl, or
 * of cfg for a run-wide one. `name` is the key as the message names it
 * ("workload.w.threshold"), `path` the file, whose directory relative
 * paths start from. LG_EINVALID: "PATH: NAME: 'VALUE' is not a number".
 */
int lg_setting_parse_key(lg_workload *wl, lg_config *cfg, int row,
			 const char *path, const char *name, const char *value);

/*
 * Parse a value of row `row` from the command line (NULL for a switch)
 * into the row's field of set->defaults, or of set for a run-wide one.
 * LG_EINVALID: "--calls: 'ten' is not a whole number >= 1".
 */
int lg_setting_parse_option(lg_config *set, int row, const char *value);

/* Copy the field of every row in `given` from src to dst (strings copied);
 * dst_cfg may be NULL: then only the workload fields. */
int lg_setting_copy(lg_workload *dst, lg_config *dst_cfg,
		    const lg_workload *src, const lg_config *src_cfg,
		    uint32_t given);

#endif
