#ifndef LG_TEST_H
#define LG_TEST_H

/* Shared by the cmocka tests: include after <cmocka.h>'s prerequisites. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "leakgate/error.h"

/* Assert an lg_* call succeeded, printing lg_error_last() when it did not. */
#define assert_lg_ok(expr) do { \
	int lg_test_rc_ = (expr); \
	if (lg_test_rc_ != 0) \
		print_error("%s failed (%d): %s\n", #expr, lg_test_rc_, \
			    lg_error_last()); \
	assert_int_equal(lg_test_rc_, 0); \
} while (0)

#endif
