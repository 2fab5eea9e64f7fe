#!/bin/sh
# The jobs of the GitLab CI template (ci/leakgate.gitlab-ci.yml) are this
# script, so `make check` runs the same code under a simulated CI_*
# environment (tests/test_run_ci.c) and under gitlab-ci-local (tests/ci/).
#
# Usage: gitlab-run.sh gate     run the gate (a shard of it with LEAKGATE_SHARD)
#        gitlab-run.sh merge    merge the shards' JUnit files into one
#        gitlab-run.sh record   record the baseline as a git note and push it
#
# Variables (all optional):
#   LEAKGATE_CONFIG      configuration file (default leakgate.conf when present)
#   LEAKGATE_WORKLOADS   workloads to run, space-separated (default: all)
#   LEAKGATE_PYTEST      a pytest suite's arguments (--pytest): every test it
#                        collects is a workload, no configuration needed;
#                        sharded by node id
#   LEAKGATE_PYTHON      interpreter to measure with
#   LEAKGATE_BASELINE    auto (default), a revision, or none
#   LEAKGATE_SHARD       auto: this job runs shard CI_NODE_INDEX of
#                        CI_NODE_TOTAL (with parallel: N); K/N: that shard;
#                        unset: every workload (a parallel: matrix: cell)
#   LEAKGATE_JUNIT       JUnit file, leakgate*.xml in any folder (default
#                        leakgate.xml); shard K writes leakgate-K.xml there
#   LEAKGATE_ARGS        more options for leakgate run / baseline record
#   LEAKGATE_PUSH_TOKEN  record: a token allowed to push (write_repository)
#   LEAKGATE_PUSH_URL    record: where to push instead (default: this project
#                        over HTTPS with LEAKGATE_PUSH_TOKEN)
#   LEAKGATE             a leakgate binary to use instead of building one
# GitLab's own: CI_NODE_INDEX/CI_NODE_TOTAL (parallel:),
# CI_MERGE_REQUEST_DIFF_BASE_SHA, CI_MERGE_REQUEST_TARGET_BRANCH_NAME,
# CI_SERVER_HOST, CI_PROJECT_PATH, CI_COMMIT_SHA.
set -u

here=$(cd "$(dirname "$0")" && pwd)
lg_source=$(cd "$here/.." && pwd)
. "$lg_source/ci/lib.sh"

# The build: one folder per OS release and sources, so a cache restored on
# another image, or a checkout moved to another commit, builds afresh.
binary() {
	if [ -n "${LEAKGATE:-}" ]; then
		bin=$LEAKGATE
		return 0
	fi
	key=$(lg_build_key)
	for old in "$lg_source"/build/leakgate-*; do
		[ "$old" = "$lg_source/build/$key" ] || rm -rf "$old"
	done
	lg_build "$lg_source/build/$key" || exit 2
	bin="$lg_source/build/$key/leakgate"
}

# The configuration: LEAKGATE_CONFIG, else leakgate.conf when there is one.
find_config() {
	config=${LEAKGATE_CONFIG:-}
	if [ -z "$config" ] && [ -f leakgate.conf ]; then
		config=leakgate.conf
	fi
}

# junit: the JUnit file of this job. Sharded, shard K writes
# <name>-K.xml beside LEAKGATE_JUNIT, so the merge job finds them all.
junit_file() {
	junit=${LEAKGATE_JUNIT:-leakgate.xml}
	case $(basename "$junit") in
	leakgate*.xml) ;;
	*) lg_warn "LEAKGATE_JUNIT=$junit: the template keeps leakgate*.xml files" \
		"as artifacts; this one will not be kept" ;;
	esac
	if [ -n "${1:-}" ]; then
		junit="${junit%.xml}-$1.xml"
	fi
}

cmd_gate() {
	shard=${LEAKGATE_SHARD:-}
	index=""
	case $shard in
	"")
		# parallel: matrix: sets these too: never shard as a side effect.
		if [ "${CI_NODE_TOTAL:-1}" != 1 ]; then
			echo "leakgate: CI_NODE_TOTAL=${CI_NODE_TOTAL:-}, LEAKGATE_SHARD unset:" \
				"this job runs every workload (LEAKGATE_SHARD: auto splits" \
				"them among the jobs of parallel: N)"
		fi
		;;
	auto) [ "${CI_NODE_TOTAL:-1}" != 1 ] && index=${CI_NODE_INDEX:-} ;;
	*/*) [ "${shard#*/}" != 1 ] && index=${shard%%/*} ;;
	esac
	junit_file "$index"
	mkdir -p "$(dirname "$junit")" || exit 2
	baseline=${LEAKGATE_BASELINE:-auto}
	binary
	set -- run --junit "$junit"
	[ -n "$shard" ] && set -- "$@" --shard "$shard"
	if [ "$baseline" != none ]; then
		lg_fetch_base "${CI_MERGE_REQUEST_TARGET_BRANCH_NAME:-}" \
			"${CI_MERGE_REQUEST_DIFF_BASE_SHA:-}" "$baseline"
		set -- "$@" --baseline "$baseline"
	fi
	find_config
	[ -n "$config" ] && set -- "$@" --config "$config"
	[ -n "${LEAKGATE_PYTEST:-}" ] && set -- "$@" --pytest "$LEAKGATE_PYTEST"
	[ -n "${LEAKGATE_PYTHON:-}" ] && set -- "$@" --python "$LEAKGATE_PYTHON"
	# Words on purpose: several options, several workloads.
	# shellcheck disable=SC2086
	set -- "$@" ${LEAKGATE_ARGS:-} ${LEAKGATE_WORKLOADS:-}
	echo "leakgate $*"
	"$bin" "$@"
	code=$?
	if [ -f "$junit" ]; then
		# For a merge-request comment, or to read in the artifacts.
		"$bin" report --format markdown -o "${junit%.xml}.md" "$junit" ||
			lg_warn "cannot write ${junit%.xml}.md"
	fi
	exit "$code"
}

cmd_merge() {
	junit_file ""
	binary
	set -- "${junit%.xml}"-*.xml
	if [ ! -f "$1" ]; then
		echo "leakgate: no ${junit%.xml}-*.xml to merge here (the artifacts of" \
			"the gate's jobs with LEAKGATE_SHARD)" >&2
		exit 2
	fi
	set -- merge -o "$junit" --summary "${junit%.xml}.md" "$@"
	echo "leakgate $*"
	exec "$bin" "$@"
}

# Record what this commit measures as a git note and push the notes ref.
# Needs LEAKGATE_PUSH_TOKEN: CI_JOB_TOKEN cannot push to the repository.
cmd_record() {
	if [ -z "${LEAKGATE_PUSH_TOKEN:-}" ]; then
		echo "leakgate: set LEAKGATE_PUSH_TOKEN (a project access token with" \
			"the write_repository scope) to push the baseline notes" >&2
		exit 2
	fi
	binary
	lg_identity leakgate "leakgate@${CI_SERVER_HOST:-localhost}"
	url=${LEAKGATE_PUSH_URL:-"https://leakgate:${LEAKGATE_PUSH_TOKEN}@${CI_SERVER_HOST:-}/${CI_PROJECT_PATH:-}.git"}
	# On top of the notes already pushed, so the push fast-forwards.
	git fetch --quiet --no-tags "$url" \
		"+refs/notes/leakgate:refs/notes/leakgate" 2>/dev/null || true
	set -- baseline record --store notes
	find_config
	[ -n "$config" ] && set -- "$@" --config "$config"
	[ -n "${LEAKGATE_PYTEST:-}" ] && set -- "$@" --pytest "$LEAKGATE_PYTEST"
	[ -n "${LEAKGATE_PYTHON:-}" ] && set -- "$@" --python "$LEAKGATE_PYTHON"
	# shellcheck disable=SC2086
	set -- "$@" ${LEAKGATE_ARGS:-} ${LEAKGATE_WORKLOADS:-}
	echo "leakgate $*"
	"$bin" "$@"
	code=$?
	# What was measured is recorded even when a workload could not be (3)
	# or the job was interrupted (128+N): push it all the same.
	[ "$code" -eq 2 ] && exit 2
	if ! git rev-parse --quiet --verify refs/notes/leakgate >/dev/null; then
		exit "$code" # nothing recorded, nothing fetched
	fi
	lg_push_notes "$url" "$bin" || exit 2
	echo "leakgate: baseline of ${CI_COMMIT_SHA:-HEAD} pushed to refs/notes/leakgate"
	exit "$code"
}

case "${1:-}" in
gate) cmd_gate ;;
merge) cmd_merge ;;
record) cmd_record ;;
*)
	echo "usage: gitlab-run.sh gate|merge|record" >&2
	exit 2
	;;
esac
