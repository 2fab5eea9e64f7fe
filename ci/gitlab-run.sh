#!/bin/sh
# The jobs of the GitLab CI template (ci/leakgate.gitlab-ci.yml) are this
# script, so `make check` runs the same code under a simulated CI_*
# environment (tests/test_run_ci.c).
#
# Usage: gitlab-run.sh gate     run the gate (a shard of it under parallel:)
#        gitlab-run.sh merge    merge the shards' JUnit files into one
#        gitlab-run.sh record   record the baseline as a git note and push it
#
# Variables (all optional):
#   LEAKGATE_CONFIG      configuration file (default leakgate.conf when present)
#   LEAKGATE_WORKLOADS   workloads to run, space-separated (default: all)
#   LEAKGATE_PYTHON      interpreter to measure with
#   LEAKGATE_BASELINE    auto (default), a revision, or none
#   LEAKGATE_JUNIT       JUnit file (default leakgate.xml; leakgate-K.xml for
#                        shard K under parallel:)
#   LEAKGATE_ARGS        more options for leakgate run / baseline record
#   LEAKGATE_PUSH_TOKEN  record: a token allowed to push (write_repository)
#   LEAKGATE             a leakgate binary to use instead of building one
# GitLab's own: CI_NODE_INDEX/CI_NODE_TOTAL (parallel:),
# CI_MERGE_REQUEST_DIFF_BASE_SHA, CI_MERGE_REQUEST_TARGET_BRANCH_NAME,
# CI_SERVER_HOST, CI_PROJECT_PATH, CI_COMMIT_SHA.
set -u

here=$(cd "$(dirname "$0")" && pwd)
lg_source=$(cd "$here/.." && pwd)
build_dir="$lg_source/build/gitlab"
. "$lg_source/ci/lib.sh"

binary() {
	if [ -n "${LEAKGATE:-}" ]; then
		bin=$LEAKGATE
	else
		lg_build "$build_dir" || exit 2
		bin="$build_dir/leakgate"
	fi
}

# The configuration: LEAKGATE_CONFIG, else leakgate.conf when there is one.
find_config() {
	config=${LEAKGATE_CONFIG:-}
	if [ -z "$config" ] && [ -f leakgate.conf ]; then
		config=leakgate.conf
	fi
}

cmd_gate() {
	total=${CI_NODE_TOTAL:-1}
	if [ -n "${LEAKGATE_JUNIT:-}" ]; then
		junit=$LEAKGATE_JUNIT
	elif [ "$total" -gt 1 ] 2>/dev/null; then
		# One file per shard: the merge job gets them all side by side.
		junit="leakgate-${CI_NODE_INDEX:-1}.xml"
	else
		junit=leakgate.xml
	fi
	baseline=${LEAKGATE_BASELINE:-auto}
	binary
	set -- run --junit "$junit" --shard auto
	if [ "$baseline" != none ]; then
		lg_fetch_base "${CI_MERGE_REQUEST_TARGET_BRANCH_NAME:-}" \
			"${CI_MERGE_REQUEST_DIFF_BASE_SHA:-}" "$baseline"
		set -- "$@" --baseline "$baseline"
	fi
	find_config
	[ -n "$config" ] && set -- "$@" --config "$config"
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
	binary
	set -- leakgate-*.xml
	if [ ! -f "$1" ]; then
		echo "leakgate: no leakgate-*.xml to merge here (the shard jobs' artifacts)" >&2
		exit 2
	fi
	junit=${LEAKGATE_JUNIT:-leakgate.xml}
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
	# The note is a commit on refs/notes/leakgate: it needs an identity.
	git config user.name >/dev/null 2>&1 || git config user.name "leakgate"
	git config user.email >/dev/null 2>&1 ||
		git config user.email "leakgate@${CI_SERVER_HOST:-localhost}"
	url="https://leakgate:${LEAKGATE_PUSH_TOKEN}@${CI_SERVER_HOST}/${CI_PROJECT_PATH}.git"
	git fetch --quiet --no-tags origin \
		"+refs/notes/leakgate:refs/notes/leakgate" 2>/dev/null || true
	set -- baseline record --store notes
	find_config
	[ -n "$config" ] && set -- "$@" --config "$config"
	[ -n "${LEAKGATE_PYTHON:-}" ] && set -- "$@" --python "$LEAKGATE_PYTHON"
	# shellcheck disable=SC2086
	set -- "$@" ${LEAKGATE_ARGS:-} ${LEAKGATE_WORKLOADS:-}
	echo "leakgate $*"
	"$bin" "$@" || exit $?
	# Another pipeline may have pushed notes meanwhile: merge, keep ours.
	for attempt in 1 2 3; do
		if git push --quiet "$url" refs/notes/leakgate:refs/notes/leakgate; then
			echo "leakgate: baseline of ${CI_COMMIT_SHA:-HEAD} pushed to refs/notes/leakgate"
			return 0
		fi
		lg_warn "push of refs/notes/leakgate rejected (attempt $attempt): merging"
		git fetch --quiet --no-tags "$url" \
			"+refs/notes/leakgate:refs/notes/leakgate-remote" &&
			git notes --ref=leakgate merge --quiet -s ours \
				refs/notes/leakgate-remote
	done
	echo "leakgate: cannot push refs/notes/leakgate" >&2
	exit 2
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
