#!/bin/sh
# The runner under valgrind (memcheck): clean, leaking, crashing, hanging and
# bad-input runs. The Python children are not traced (only leakgate itself).
# Usage: valgrind.sh BUILD_DIR
set -u
build=${1:-build}
bin="$build/leakgate"
LEAKGATE_EXTRA_PACKAGES=valgrind sh "$(dirname "$0")/../ci/install-deps.sh" || exit 1
w="$(cd "$(dirname "$0")" && pwd)/workloads"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
ran=0

check() {
	ran=$((ran + 1))
	valgrind -q --error-exitcode=99 --leak-check=full \
		--show-leak-kinds=definite,indirect \
		--errors-for-leak-kinds=definite,indirect \
		--log-file="$tmp/vg.log" "$bin" "$@" >/dev/null 2>"$tmp/err"
	rc=$?
	if [ "$rc" -eq 99 ] || [ -s "$tmp/vg.log" ]; then
		echo "!! valgrind: leakgate $*"
		cat "$tmp/vg.log"
		failed=$((failed + 1))
	else
		echo "ok valgrind (exit $rc): leakgate $*"
	fi
}

check run --duration 0.3 --junit "$tmp/a.xml" "$w/clean_lru_cache.py:run" "$w/leak_fds.py:run"
check run --duration 0.3 -j 2 --junit "$tmp/b.xml" "$w/error_abort.py:run" \
	"$w/error_import.py:run" "$w/clean_noisy_output.py:run"
check run --timeout 2 "$w/error_hang.py:run"
check run --python /nonexistent/python3 "$w/clean_cycles.py:run"
check run --calls nope "$w/clean_cycles.py:run"
check run --config "$tmp/absent.conf"
check run --duration 0.3 --junit "$tmp/missing/x.xml" "$w/clean_cycles.py:run"
check --help
echo "valgrind: $((ran - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
