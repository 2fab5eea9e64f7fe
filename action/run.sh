#!/bin/sh
# The leakgate GitHub Action (action.yml) is this script: the YAML only
# passes the inputs, so `make check` runs the same code under a simulated
# GITHUB_* environment (tests/test_run_ci.c).
#
# Usage: run.sh key     cache key and path of the build, to GITHUB_OUTPUT
#        run.sh build   install Debian packages, build leakgate (unless cached)
#        run.sh gate    fetch the base commit if needed, run (or merge), set
#                       outputs; exits with leakgate's code
#
# Inputs (environment): INPUT_CONFIG, INPUT_WORKLOADS, INPUT_PYTHON,
# INPUT_BASELINE (auto, a revision, none), INPUT_JUNIT, INPUT_SHARD,
# INPUT_MERGE (shard JUnit files to merge instead of running), INPUT_ARGS.
# LEAKGATE: a leakgate binary to use instead of building one.
# LEAKGATE_CACHE_HIT: "true" when the build directory came from the cache.
# LEAKGATE_BASE_SHA: the pull request's base commit, when there is one.
set -u

here=$(cd "$(dirname "$0")" && pwd)
lg_source=$(cd "$here/.." && pwd)
build_dir="$lg_source/build/action"
binary=${LEAKGATE:-$build_dir/leakgate}
. "$lg_source/ci/lib.sh"

output() {
	if [ -n "${GITHUB_OUTPUT:-}" ]; then
		echo "$1=$2" >>"$GITHUB_OUTPUT"
	else
		echo "$1=$2"
	fi
}

# The build depends on these files only; hashFiles() cannot see them when
# the action is checked out outside the workspace, so hash them here.
cmd_key() {
	sum=$(cd "$lg_source" && find src include Makefile ci/install-deps.sh \
		-type f -print | LC_ALL=C sort | xargs sha256sum | sha256sum |
		cut -c1-32)
	output key "leakgate-$(uname -s)-$(uname -m)-$sum"
	output path "$build_dir"
}

cmd_build() {
	if [ "${LEAKGATE_CACHE_HIT:-}" = true ] && [ -x "$build_dir/leakgate" ]; then
		# The packages are not cached: the binary needs their libraries.
		sh "$lg_source/ci/install-deps.sh" || exit 2
		echo "leakgate: using the cached build in $build_dir"
		return 0
	fi
	lg_build "$build_dir" || exit 2
}

cmd_gate() {
	junit=${INPUT_JUNIT:-leakgate.xml}
	baseline=${INPUT_BASELINE:-none}
	if [ ! -x "$binary" ]; then
		echo "leakgate: no binary at $binary (run.sh build first)" >&2
		exit 2
	fi
	set --
	if [ -n "${INPUT_MERGE:-}" ]; then
		# shellcheck disable=SC2086
		set -- merge -o "$junit" ${INPUT_MERGE}
	else
		set -- run --junit "$junit"
		[ -n "${INPUT_CONFIG:-}" ] && set -- "$@" --config "$INPUT_CONFIG"
		[ -n "${INPUT_PYTHON:-}" ] && set -- "$@" --python "$INPUT_PYTHON"
		[ -n "${INPUT_SHARD:-}" ] && set -- "$@" --shard "$INPUT_SHARD"
		if [ "$baseline" != none ]; then
			lg_fetch_base "${GITHUB_BASE_REF:-}" "${LEAKGATE_BASE_SHA:-}" "$baseline"
			set -- "$@" --baseline "$baseline"
			if [ "$baseline" = auto ] && [ -n "${LEAKGATE_BASE_SHA:-}" ]; then
				set -- "$@" --base "$LEAKGATE_BASE_SHA"
			fi
		fi
		# Words on purpose: several options, several workloads.
		# shellcheck disable=SC2086
		set -- "$@" ${INPUT_ARGS:-} ${INPUT_WORKLOADS:-}
	fi
	echo "leakgate $*"
	"$binary" "$@"
	code=$?

	case $code in
	0) verdict=clean ;;
	1) verdict=leak ;;
	3) verdict=error ;;
	*) verdict=usage ;;
	esac
	output verdict "$verdict"
	output exit-code "$code"
	output junit "$junit"
	if [ -f "$junit" ]; then
		summary="${junit%.xml}.md"
		if "$binary" report --format markdown -o "$summary" "$junit"; then
			output summary "$summary"
		fi
		output leaks "$(lg_count leak "$junit")"
		output regressions "$(lg_count regression "$junit")"
		output errors "$(lg_count error "$junit")"
		output clean "$(lg_count clean "$junit")"
		output known "$(lg_count expected-leak "$junit")"
	fi
	exit "$code"
}

case "${1:-}" in
key) cmd_key ;;
build) cmd_build ;;
gate) cmd_gate ;;
*)
	echo "usage: run.sh key|build|gate" >&2
	exit 2
	;;
esac
