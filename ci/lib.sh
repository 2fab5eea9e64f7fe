# Shell functions shared by the CI entry points (action/run.sh for GitHub,
# ci/gitlab-run.sh for GitLab). Sourced, not run: POSIX sh, set -u safe.
# The caller sets lg_source (the leakgate checkout).
: "${lg_source:?set lg_source (the leakgate checkout) before sourcing ci/lib.sh}"

# A warning in the CI's own form; never fails the job.
lg_warn() {
	if [ "${GITHUB_ACTIONS:-}" = true ]; then
		echo "::warning title=leakgate::$*"
	else
		echo "leakgate: warning: $*" >&2
	fi
}

# lg_build DIR: install the Debian packages, build DIR/leakgate (make does
# nothing when it is up to date).
lg_build() {
	sh "$lg_source/ci/install-deps.sh" || return 2
	make -s -C "$lg_source" BUILD="$1" "$1/leakgate" || return 2
}

# lg_fetch_base BRANCH REV...: what --baseline reads from git, for a shallow
# checkout: history to find the merge base, the target BRANCH (may be ""),
# the REVs (commit ids; "auto", "none", "" skipped), and the baseline notes.
# Failures only warn: leakgate then says what is missing.
lg_fetch_base() {
	branch=$1
	shift
	git rev-parse --git-dir >/dev/null 2>&1 || return 0
	depth=""
	if [ "$(git rev-parse --is-shallow-repository 2>/dev/null)" = true ]; then
		depth="--depth=${LEAKGATE_FETCH_DEPTH:-50}"
		git fetch --quiet --no-tags --deepen="${LEAKGATE_FETCH_DEPTH:-50}" origin ||
			lg_warn "cannot deepen the shallow checkout"
	fi
	if [ -n "$branch" ]; then
		# shellcheck disable=SC2086
		git fetch --quiet --no-tags $depth origin \
			"+refs/heads/$branch:refs/remotes/origin/$branch" ||
			lg_warn "cannot fetch the target branch $branch"
	fi
	for rev in "$@"; do
		case "$rev" in auto | none | "") continue ;; esac
		git cat-file -e "$rev^{commit}" 2>/dev/null && continue
		# shellcheck disable=SC2086
		git fetch --quiet --no-tags $depth origin "$rev" ||
			lg_warn "cannot fetch $rev"
	done
	git fetch --quiet --no-tags origin \
		"+refs/notes/leakgate:refs/notes/leakgate" 2>/dev/null || true
}

# lg_count VERDICT FILE: workloads of a leakgate JUnit file with VERDICT.
lg_count() {
	n=$(xmllint --xpath "count(//property[@name='verdict'][@value='$1'])" \
		"$2" 2>/dev/null)
	echo "${n:-0}"
}
