#!/bin/sh
# The runner under valgrind (memcheck): clean, leaking, crashing, hanging and
# bad-input runs. The Python children are not traced (only leakgate itself).
# Usage: valgrind.sh BUILD_DIR
set -u
build=${1:-build}
bin="$build/leakgate"
LEAKGATE_EXTRA_PACKAGES=valgrind sh "$(dirname "$0")/../ci/install-deps.sh" test || exit 1
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
# The explain pass: the allocator shim written out and preloaded, every
# kind of record, the verbose text; cycles failing without it.
check run --duration 0.3 --explain -v --junit "$tmp/e.xml" "$w/leak_native.py:run" \
	"$w/clean_cycles.py:run" "$w/leak_threads.py:run"
check run --duration 0.3 --fail-on-cycles --no-explain "$w/clean_cycles.py:run"

# Interrupted: SIGTERM once the first workload is judged; the cancellation
# path (children killed, cancelled results, the JUnit file) must free all.
ran=$((ran + 1))
valgrind -q --error-exitcode=99 --leak-check=full \
	--show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
	--log-file="$tmp/vg.log" "$bin" run --duration 0.3 --junit "$tmp/i.xml" \
	"$w/clean_lru_cache.py:run" "$w/error_hang.py:run" "$w/error_hang.py:run" \
	>/dev/null 2>"$tmp/err" &
vg=$!
for _ in $(seq 600); do grep -q '\[1/3\]' "$tmp/err" && break; sleep 0.1; done
sleep 0.5
kill -TERM "$vg"
wait "$vg"
rc=$?
if [ "$rc" -ne 143 ] || [ -s "$tmp/vg.log" ] || ! grep -q 'type="cancelled"' "$tmp/i.xml"; then
	echo "!! valgrind: leakgate run interrupted by SIGTERM (exit $rc)"
	cat "$tmp/vg.log" "$tmp/err"
	failed=$((failed + 1))
else
	echo "ok valgrind (exit $rc): leakgate run interrupted by SIGTERM"
fi

# Baselines, in a scratch repository: record (file and notes), gate, show,
# a corrupt baseline and an unknown revision.
repo="$tmp/repo"
bin_abs="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
mkdir "$repo" && cp "$w/leak_slow.py" "$w/clean_cycles.py" "$repo/"
git -C "$repo" init -q && git -C "$repo" add -A &&
	git -C "$repo" -c user.name=t -c user.email=t@t commit -q -m init
cd "$repo"
bin="$bin_abs"
check baseline record --duration 0.3 --store notes leak_slow.py:run clean_cycles.py:run
check baseline record --duration 0.3 leak_slow.py:run clean_cycles.py:run
git add -A && git -c user.name=t -c user.email=t@t commit -q -m baseline
check run --duration 0.3 --baseline HEAD --junit "$tmp/c.xml" leak_slow.py:run clean_cycles.py:run
check baseline show HEAD
check run --baseline no-such-rev clean_cycles.py:run
printf '[leakgate]\n\tformat = 1\n[baseline "x"\n' > .leakgate/baseline
git add -A && git -c user.name=t -c user.email=t@t commit -q -m corrupt
check run --baseline HEAD clean_cycles.py:run
cd - >/dev/null
# CI: a shard in simulated GitHub Actions and GitLab CI (annotations, step
# summary, charts), the saved runs rendered again and merged, bad input.
mkdir "$tmp/ci"
export GITHUB_ACTIONS=true GITHUB_STEP_SUMMARY="$tmp/summary.md" GITLAB_CI=true
check run --duration 0.3 --shard 1/2 --junit "$tmp/ci/s1.xml" \
	"$w/leak_fds.py:run" "$w/clean_cycles.py:run" "$w/error_exception.py:run"
unset GITHUB_ACTIONS GITHUB_STEP_SUMMARY GITLAB_CI
check run --duration 0.3 --charts "$tmp/charts" --junit "$tmp/ci/s2.xml" "$w/leak_native.py:run"
check report --format markdown "$tmp/ci/s1.xml"
check report --format github "$tmp/ci/s1.xml"
check report -v "$tmp/ci/s1.xml"
check report --format svg --workload "$w/leak_native.py:run" -o "$tmp/c.svg" "$tmp/ci/s2.xml"
check report --format svg "$tmp/ci/s1.xml"
check merge -o "$tmp/m.xml" --summary "$tmp/m.md" "$tmp/ci/s1.xml" "$tmp/ci/s2.xml"
check merge -o "$tmp/m2.xml" "$tmp/ci/s1.xml" "$tmp/absent.xml"
check merge -o "$tmp/m2.xml" "$tmp/ci/s1.xml" "$tmp/ci/s1.xml"
check report "$tmp/summary.md"
echo "valgrind: $((ran - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
