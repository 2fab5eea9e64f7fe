#!/bin/sh
# Run the cmocka test programs: unit tests, then the integration tests
# (tests/test_run_*.c), which drive the real binary on real Python workloads.
# Usage: run-tests.sh BUILD_DIR [unit|integration]
set -u
build=$1
which=${2:-all}
failed=0
ran=0
# The tests set the CI environment they simulate themselves: none leaks in
# from a CI job running them (leakgate reacts to these).
unset GITHUB_ACTIONS GITHUB_STEP_SUMMARY GITHUB_OUTPUT GITHUB_WORKSPACE \
	GITHUB_BASE_REF GITLAB_CI CI_NODE_INDEX CI_NODE_TOTAL \
	CI_MERGE_REQUEST_DIFF_BASE_SHA CI_MERGE_REQUEST_TARGET_BRANCH_NAME
# Absolute: the integration tests run the binary from other directories.
binary=$(cd "$build" && pwd)/leakgate
for t in "$build"/tests/test_*; do
	case "$t" in *.d) continue ;; esac
	[ -x "$t" ] || continue
	case "$(basename "$t")" in
	test_run_*) [ "$which" = unit ] && continue ;;
	*) [ "$which" = integration ] && continue ;;
	esac
	ran=$((ran + 1))
	echo "== $(basename "$t")"
	if ! LEAKGATE="$binary" "$t"; then
		failed=$((failed + 1))
		echo "!! $(basename "$t") failed"
	fi
done
echo "test programs: $((ran - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
