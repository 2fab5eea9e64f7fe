#!/bin/sh
# The leakgate GitHub Action (action.yml) is this script: the YAML only
# passes the inputs, so `make check` runs the same code under a simulated
# GITHUB_* environment (tests/test_run_ci.c).
#
# Usage: run.sh key     cache key and path of the build, to GITHUB_OUTPUT
#        run.sh build   build leakgate unless a cached build runs here
#        run.sh gate    by INPUT_MODE: run the gate (fetching what the
#                       baseline needs), merge shards, or record the
#                       baseline; set outputs; exit with leakgate's code
#
# Inputs (environment): INPUT_MODE (run, record, merge; merge also when
# INPUT_MERGE is set), INPUT_CONFIG, INPUT_WORKLOADS, INPUT_PYTEST (a
# suite's pytest arguments: --pytest), INPUT_PYTHON,
# INPUT_BASELINE (auto, a revision, none), INPUT_JUNIT, INPUT_SHARD,
# INPUT_MERGE (shard JUnit files to merge), INPUT_STORE (record: notes or
# file), INPUT_PUSH (record: push the notes to origin unless "false"),
# INPUT_ARGS.
# LEAKGATE: a leakgate binary to use instead of building one.
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

# The key names what the build depends on (lg_build_key: OS release,
# machine, sources); hashFiles() cannot see an action's own files.
cmd_key() {
	output key "$(lg_build_key)"
	output path "$build_dir"
}

# A cached build that does not run here (another release's libraries) is
# built again; nothing is installed when it runs.
cmd_build() {
	sh "$lg_source/ci/install-deps.sh" run || exit 2
	lg_build "$build_dir" || exit 2
}

# baseline record, then the push of the notes (merged with any pushed
# meanwhile). The notes commit needs an identity: the job's, else the bot's.
record() {
	store=${INPUT_STORE:-notes}
	set -- baseline record --store "$store"
	[ -n "${INPUT_CONFIG:-}" ] && set -- "$@" --config "$INPUT_CONFIG"
	[ -n "${INPUT_PYTEST:-}" ] && set -- "$@" --pytest "$INPUT_PYTEST"
	[ -n "${INPUT_PYTHON:-}" ] && set -- "$@" --python "$INPUT_PYTHON"
	# shellcheck disable=SC2086
	set -- "$@" ${INPUT_ARGS:-} ${INPUT_WORKLOADS:-}
	if [ "$store" = notes ]; then
		lg_identity "github-actions[bot]" \
			"41898282+github-actions[bot]@users.noreply.github.com"
		git fetch --quiet --no-tags origin \
			"+refs/notes/leakgate:refs/notes/leakgate" 2>/dev/null || true
	fi
	echo "leakgate $*"
	"$binary" "$@"
	code=$?
	# 3: some workloads could not be measured, 128+N: interrupted; what
	# was measured is recorded all the same.
	if [ "$store" = notes ] && [ "${INPUT_PUSH:-true}" != false ] &&
		[ "$code" -ne 2 ] &&
		git rev-parse --quiet --verify refs/notes/leakgate >/dev/null; then
		lg_push_notes origin "$binary" || code=2
	fi
	output exit-code "$code"
	exit "$code"
}

cmd_gate() {
	junit=${INPUT_JUNIT:-leakgate.xml}
	baseline=${INPUT_BASELINE:-none}
	mode=${INPUT_MODE:-run}
	[ "$mode" = run ] && [ -n "${INPUT_MERGE:-}" ] && mode=merge
	if ! lg_loads "$binary"; then
		echo "leakgate: no working binary at $binary (run.sh build first)" >&2
		exit 2
	fi
	case $mode in
	run | merge) ;;
	record) record ;;
	*)
		echo "leakgate: mode '$mode': expected run, record or merge" >&2
		exit 2
		;;
	esac
	mkdir -p "$(dirname "$junit")" || exit 2
	set --
	if [ "$mode" = merge ]; then
		if [ -z "${INPUT_MERGE:-}" ]; then
			echo "leakgate: mode merge: give the shards' JUnit files in the merge input" >&2
			exit 2
		fi
		# shellcheck disable=SC2086
		set -- merge -o "$junit" ${INPUT_MERGE}
	else
		set -- run --junit "$junit"
		[ -n "${INPUT_CONFIG:-}" ] && set -- "$@" --config "$INPUT_CONFIG"
		[ -n "${INPUT_PYTEST:-}" ] && set -- "$@" --pytest "$INPUT_PYTEST"
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
