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

# lg_build_key: what a build depends on, for a cache key and a build
# directory: the OS release (the binary links that release's libgit2), the
# machine, and a hash of the sources that go into the binary.
lg_build_key() {
	os=unknown
	if [ -r /etc/os-release ]; then
		# shellcheck source=/dev/null
		os=$(. /etc/os-release && echo "${ID:-linux}-${VERSION_ID:-${VERSION_CODENAME:-rolling}}")
	fi
	sum=$(cd "$lg_source" && find src include Makefile ci/install-deps.sh \
		-type f -print | LC_ALL=C sort | xargs sha256sum | sha256sum |
		cut -c1-16)
	echo "leakgate-$os-$(uname -m)-$sum"
}

# lg_loads BINARY: the binary is there and runs on this machine (a cached
# build from another release may miss its libraries).
lg_loads() {
	[ -x "$1" ] && "$1" --version >/dev/null 2>&1
}

# lg_build DIR: DIR/leakgate, built unless a working one is there. Installs
# what building needs (ci/install-deps.sh build) only when it does not run:
# a cached build in a new container of the same image lacks the libraries
# only, and runs once they are installed; else make builds what is stale.
lg_build() {
	if lg_loads "$1/leakgate"; then
		echo "leakgate: using the build in $1"
		return 0
	fi
	sh "$lg_source/ci/install-deps.sh" build || return 2
	if lg_loads "$1/leakgate"; then
		echo "leakgate: using the build in $1"
		return 0
	fi
	[ -e "$1/leakgate" ] && lg_warn "$1/leakgate does not run here: building it again"
	rm -f "$1/leakgate"
	make -s -j "$(nproc 2>/dev/null || echo 2)" -C "$lg_source" BUILD="$1" \
		"$1/leakgate" || return 2
}

# lg_push_notes REMOTE BINARY: push refs/notes/leakgate; when another job
# pushed notes meanwhile, merge theirs workload by workload (BINARY baseline
# merge-notes: every workload's newest measurement kept, on top of theirs so
# the next push fast-forwards) and retry.
lg_push_notes() {
	for attempt in 1 2 3 4 5 6; do
		if git push --quiet "$1" refs/notes/leakgate:refs/notes/leakgate; then
			return 0
		fi
		lg_warn "push of refs/notes/leakgate rejected (attempt $attempt): merging"
		git fetch --quiet --no-tags "$1" \
			"+refs/notes/leakgate:refs/notes/leakgate-remote" &&
			"$2" baseline merge-notes refs/notes/leakgate-remote >/dev/null ||
			return 2
	done
	echo "leakgate: cannot push refs/notes/leakgate" >&2
	return 2
}

# lg_identity: the notes commit needs a committer; keep the job's if set.
lg_identity() {
	git config user.name >/dev/null 2>&1 || git config user.name "$1"
	git config user.email >/dev/null 2>&1 || git config user.email "$2"
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
