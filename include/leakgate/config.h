#ifndef LEAKGATE_CONFIG_H
#define LEAKGATE_CONFIG_H

#include <stddef.h>

#include "leakgate/workload.h"

/*
 * The configuration file, in git-config syntax, read through libgit2:
 *
 *   [leakgate]
 *       python = python3        ; defaults for every workload
 *       threshold = 16
 *       timeout = 120
 *       calls = 100000
 *       duration = 2
 *       memory-limit = 4096     ; MiB, or 512M, 2G, 1.5G; 0 = none
 *       regression-floor = 16   ; against a baseline (baseline.h)
 *       regression-tolerance = 0.25
 *       explain = auto          ; explain leaks; always, never (explanation.h)
 *       fail-on-cycles = false  ; cyclic garbage fails (true/false, yes/no)
 *       fail-inconclusive = false ; too little evidence fails (true/false)
 *       jobs = 2                 ; or auto: the processors it may use
 *       junit = leakgate.xml
 *       pytest = tests/ -m leakcheck  ; a pytest suite: every test it
 *                                     ; collects is a workload
 *   [workload "parse-orders"]
 *       target = tests/leaks/orders.py:parse_orders
 *       expect = leak            ; or clean (default)
 *       threshold = 64           ; any [leakgate] default but jobs/junit
 *
 *   [workload "tests/test_api.py::test_get[utf-8]"]
 *       expect = leak            ; a pytest node id as the name: that
 *                                ; test's settings, target implied
 *
 * Every key, where it may go and what it takes: the table of setting.h.
 * File targets are relative to the directory of the configuration file;
 * pytest node ids are pytest's (relative to its rootdir).
 */
typedef struct {
	lg_workload defaults;   /* built-ins overlaid with [leakgate] */
	lg_workload *workloads; /* one per [workload "..."] section, in file order */
	size_t count;
	int jobs;               /* 0 when not set */
	char *junit;            /* NULL when not set */
	char *pytest;           /* the suite's pytest arguments; NULL: no suite */
} lg_config;

/*
 * Load path. `base` gives the defaults before the file's [leakgate] section.
 * Errors (LG_ENOTFOUND, LG_EINVALID) name the file and the key, e.g.
 * "examples/leakgate.conf: workload.orders.threshold: 'abc' is not a number".
 * Unknown keys in the leakgate and workload sections are errors.
 */
int lg_config_load(lg_config *out, const char *path, const lg_workload *base);

void lg_config_dispose(lg_config *cfg);

#endif
