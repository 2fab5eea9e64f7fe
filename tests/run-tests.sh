#!/bin/sh
# Run the cmocka test programs: unit tests, then the integration tests
# (tests/test_run_*.c), which drive the real binary on real Python workloads.
# Usage: run-tests.sh BUILD_DIR [unit|integration]
set -u
build=$1
which=${2:-all}
failed=0
ran=0
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
