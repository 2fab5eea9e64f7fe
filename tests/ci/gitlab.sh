#!/bin/sh
# The GitLab template (ci/leakgate.gitlab-ci.yml) in a real client:
# gitlab-ci-local, shell executor, on a sample project made here (a git
# repository with a clean workload, a leak and a known leak, and a
# committed .leakgate/baseline). Each job name says what it checks:
#   plain     a job with a leak fails, leakgate exiting 1; a default:
#             before_script still runs; JUnit in a folder that does not exist
#   known     a known leak (expect = leak) passes, beside the job's own
#             before_script; held to the baseline at HEAD~1
#   shard     parallel: 2 with LEAKGATE_SHARD: auto, one workload each,
#             then shard-merge joins them
#   matrix    parallel: matrix: two cells, each measuring every workload
#   suite     a pytest suite without a configuration file (LEAKGATE_PYTEST),
#             parallel: 2 splitting its tests by node id; suite-merge
#   cloned    LEAKGATE_REPOSITORY (a local repository) and LEAKGATE_REF: the
#             template fetches leakgate into .leakgate-ci/ beside the
#             committed .leakgate/baseline, builds and gates; run again
#             after the branch moved and the cached binary broke, it
#             follows the branch and makes the binary again
#   leakgate-baseline  the template's job: records, pushes the note
#   mr        a merge-request pipeline: the baseline at
#             CI_MERGE_REQUEST_DIFF_BASE_SHA
# Usage: gitlab.sh CLIENTS_DIR LEAKGATE_BINARY
set -u

clients=$1
binary=$2
here=$(cd "$(dirname "$0")" && pwd)
source_dir=$(cd "$here/../.." && pwd)
glcl="$clients/node_modules/.bin/gitlab-ci-local"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/leakgate-gitlab.XXXXXX")
[ -n "${LEAKGATE_TEST_KEEP:-}" ] || trap 'rm -rf "$tmp"' EXIT
failed=0

fail() {
	echo "FAIL gitlab: $*"
	failed=1
}

# The sample project: three commits, the baseline recorded in the first.
project="$tmp/project"
mkdir -p "$project"
cp "$source_dir/tests/workloads/leak_global_cache.py" "$project/leak.py"
cp "$source_dir/tests/workloads/clean_lru_cache.py" "$project/clean.py"
cat >"$project/leakgate.conf" <<'EOF'
[leakgate]
	duration = 0.3
	calls = 20000
	timeout = 60
	explain = never
[workload "clean"]
	target = clean.py:run
[workload "leak"]
	target = leak.py:run
[workload "known"]
	target = leak.py:run
	expect = leak
EOF
mkdir -p "$project/tests"
printf '[pytest]\ntestpaths = tests\n' >"$project/pytest.ini"
cat >"$project/tests/test_suite.py" <<'EOF'
import pytest


@pytest.mark.parametrize("n", [1, 2, 3])
def test_sum(n):
    assert sum(range(n)) >= 0


def test_join():
    assert "-".join("ab") == "a-b"
EOF
git_c() {
	git -C "$project" -c user.name=leakgate-test -c user.email=test@example.com \
		-c init.defaultBranch=main -c commit.gpgsign=false "$@"
}
git_c init --quiet
(cd "$project" && "$binary" baseline record --config leakgate.conf known clean \
	>"$tmp/record.log" 2>&1) || { cat "$tmp/record.log"; fail "baseline record"; exit 1; }
git_c add . && git_c commit --quiet -m "workloads and their baseline"
base_sha=$(git_c rev-parse HEAD)
echo "# sample" >"$project/README"
git_c add README && git_c commit --quiet -m "a change"
parent_sha=$(git_c rev-parse HEAD)

# leakgate for the clone route: a repository whose branch lg-test is this
# checkout as it is now (uncommitted changes too: a commit of its own).
ref=$(git -C "$source_dir" -c user.name=leakgate-test -c user.email=test@example.com \
	stash create 2>/dev/null)
[ -n "$ref" ] || ref=$(git -C "$source_dir" rev-parse HEAD)
leakgate_repo="$tmp/leakgate.git"
git init --quiet --bare "$leakgate_repo"
git -C "$leakgate_repo" fetch --quiet "$source_dir" "$ref:refs/heads/lg-test" ||
	{ fail "cannot make $leakgate_repo"; exit 1; }

cp "$source_dir/ci/leakgate.gitlab-ci.yml" "$project/leakgate.gitlab-ci.yml"
python_b=/usr/bin/python3
for p in /root/.pyenv/versions/3.12*/bin/python3 /usr/local/bin/python3; do
	[ -x "$p" ] && python_b=$p && break
done
cat >"$project/.gitlab-ci.yml" <<EOF
include:
  - local: leakgate.gitlab-ci.yml

default:
  before_script:
    - echo "default before_script ran"

variables:
  LEAKGATE_HOME: $source_dir
  LEAKGATE: $binary
  LEAKGATE_WORKLOADS: clean known

plain:
  extends: .leakgate
  variables:
    LEAKGATE_WORKLOADS: clean leak
    LEAKGATE_JUNIT: out/plain/leakgate.xml

known:
  extends: .leakgate
  before_script:
    - echo "own before_script ran"
  variables:
    LEAKGATE_JUNIT: out/known/leakgate.xml

shard:
  extends: .leakgate
  parallel: 3
  variables:
    LEAKGATE_SHARD: auto
    LEAKGATE_JUNIT: out/shard/leakgate.xml

shard-merge:
  extends: .leakgate-merge
  needs: [shard]
  variables:
    LEAKGATE_JUNIT: out/shard/leakgate.xml

matrix:
  extends: .leakgate
  parallel:
    matrix:
      - LEAKGATE_PYTHON: [python3, $python_b]
  variables:
    LEAKGATE_JUNIT: out/matrix-\$CI_NODE_INDEX/leakgate.xml

suite:
  extends: .leakgate
  parallel: 2
  before_script:
    - rm leakgate.conf
  variables:
    LEAKGATE_PYTEST: tests -k 'sum or join'
    LEAKGATE_PYTHON: /usr/bin/python3
    LEAKGATE_WORKLOADS: ""
    LEAKGATE_SHARD: auto
    LEAKGATE_ARGS: --duration 0.2
    LEAKGATE_JUNIT: out/suite/leakgate.xml

suite-merge:
  extends: .leakgate-merge
  needs: [suite]
  variables:
    LEAKGATE_JUNIT: out/suite/leakgate.xml

cloned:
  extends: .leakgate
  variables:
    LEAKGATE_HOME: ""
    LEAKGATE: ""
    LEAKGATE_REPOSITORY: $leakgate_repo
    LEAKGATE_REF: lg-test
    LEAKGATE_JUNIT: out/cloned/leakgate.xml

mr:
  extends: .leakgate
  rules:
    - if: \$CI_PIPELINE_SOURCE == "merge_request_event"
  variables:
    LEAKGATE_JUNIT: out/mr/leakgate.xml
EOF
git_c add . && git_c commit --quiet -m "CI"

# The client's environment, not the one running this test (a CI job's
# CI_* or GITHUB_* must not leak in); GitLab sets GITLAB_CI=true.
client() {
	(cd "$project" && env -i PATH="$PATH" HOME="$tmp/home" LANG=C.UTF-8 \
		"$glcl" --no-color --shell-isolation --force-shell-executor \
		--max-job-name-padding 0 --concurrency 2 --variable GITLAB_CI=true \
		--ignore-predefined-vars GITLAB_CI,CI_PIPELINE_SOURCE "$@")
}
mkdir -p "$tmp/home"
start=$(date +%s)
client >"$tmp/push.log" 2>&1
push_code=$?
client --variable CI_PIPELINE_SOURCE=merge_request_event \
	--variable "CI_MERGE_REQUEST_DIFF_BASE_SHA=$base_sha" \
	--variable CI_MERGE_REQUEST_TARGET_BRANCH_NAME=main mr >"$tmp/mr.log" 2>&1
mr_code=$?
# lg-test moves on (a change to the scripts only): the cached checkout
# follows it.
export GIT_INDEX_FILE="$tmp/index"
git -C "$leakgate_repo" read-tree lg-test
blob=$(git -C "$leakgate_repo" show lg-test:ci/gitlab-run.sh |
	sed 's/^set -u$/set -u; echo "leakgate-test: the moved branch"/' |
	git -C "$leakgate_repo" hash-object -w --stdin)
git -C "$leakgate_repo" update-index --cacheinfo "100755,$blob,ci/gitlab-run.sh"
moved=$(git -C "$leakgate_repo" -c user.name=t -c user.email=t@example.com \
	commit-tree "$(git -C "$leakgate_repo" write-tree)" -p lg-test -m moved)
git -C "$leakgate_repo" update-ref refs/heads/lg-test "$moved"
unset GIT_INDEX_FILE
# And the cached build no longer runs (as when the image lost libgit2): it
# is made again, from the cached objects.
for cached in "$project"/.gitlab-ci-local/cache/leakgate-cloned/.leakgate-ci/leakgate/build/leakgate-*/leakgate; do
	[ -f "$cached" ] || { fail "cloned: no build in the cache"; continue; }
	printf '#!/bin/sh\nexit 127\n' >"$cached"
done
# With it the baseline job of the template: a note on HEAD, pushed (to a
# local repository here instead of GitLab's).
notes_repo="$tmp/notes.git"
git init --quiet --bare "$notes_repo"
client --variable LEAKGATE_PUSH_TOKEN=unused --variable "LEAKGATE_PUSH_URL=$notes_repo" \
	cloned leakgate-baseline >"$tmp/moved.log" 2>&1
moved_code=$?
echo "gitlab-ci-local: three pipelines in $(($(date +%s) - start)) s"

# JOB TEXT LOG: the job printed a line with TEXT (its lines are "JOB > …").
job_said() {
	grep -F -e "$1 > " "$3" | grep -F -q -e "$2"
}
# STATUS JOB LOG: the client's summary says JOB passed (PASS) or failed.
job_status() {
	grep -F -x -q -e " $1  $2" "$3"
}
# FULL SHORT: SHORT is an abbreviation of the commit id FULL.
starts() {
	[ -n "$2" ] && case $1 in "$2"*) true ;; *) false ;; esac
}
xpath() {
	xmllint --xpath "$1" "$project/$2" 2>/dev/null
}
suites() {
	xpath "count(/testsuites/testsuite)" "$1"
}
verdict() {
	xpath "string(//testsuite[@name='$2']//property[@name='verdict']/@value)" "$1"
}
prop() {
	xpath "string(//testsuite[@name='$2']//property[@name='$3']/@value)" "$1"
}

log="$tmp/push.log"
[ "$push_code" -ne 0 ] || fail "the push pipeline passed with a failing job"
job_status FAIL plain "$log" || fail "plain did not fail"
job_said plain "default before_script ran" "$log" || fail "plain: no default before_script"
job_said plain "leakgate run --junit out/plain/leakgate.xml" "$log" ||
	fail "plain: no leakgate run line"
grep -E -q "^plain finished in .* FAIL 1 *\$" "$log" || fail "plain: leakgate did not exit 1"
job_said plain "2 workloads: 1 leak, 1 clean" "$log" || fail "plain: not a leak verdict"
[ "$(verdict out/plain/leakgate.xml leak)" = leak ] || fail "plain: JUnit verdict"
[ -f "$project/out/plain/leakgate-charts/leak.svg" ] || fail "plain: chart not kept"
[ -f "$project/out/plain/leakgate.md" ] || fail "plain: summary not kept"

job_status PASS known "$log" || fail "known did not pass"
job_said known "own before_script ran" "$log" || fail "known: own before_script"
job_said known "default before_script ran" "$log" && fail "known: default before_script too"
[ "$(verdict out/known/leakgate.xml known)" = expected-leak ] || fail "known: verdict"
starts "$parent_sha" "$(prop out/known/leakgate.xml known baseline.rev)" ||
	fail "known: baseline.rev is not HEAD~1 ($(prop out/known/leakgate.xml known baseline.rev))"

for k in 1 2 3; do
	job_status PASS "shard: [$k/3]" "$log" || fail "shard $k/3 did not pass"
done
# Two workloads dealt to three shards: one each, the third empty.
[ "$(xpath "count(//testcase)" out/shard/leakgate-1.xml)" = 1 ] || fail "shard 1: not one workload"
[ "$(xpath "count(//testcase)" out/shard/leakgate-2.xml)" = 1 ] || fail "shard 2: not one workload"
[ "$(xpath "count(//testcase)" out/shard/leakgate-3.xml)" = 0 ] || fail "shard 3: not empty"
job_status PASS shard-merge "$log" || fail "shard-merge did not pass"
[ "$(suites out/shard/leakgate.xml)" = 2 ] || fail "shard-merge: not both workloads"
[ -f "$project/out/shard/leakgate.md" ] || fail "shard-merge: no summary"

for k in 1 2; do
	[ "$(suites "out/matrix-$k/leakgate.xml")" = 2 ] || fail "matrix cell $k: not every workload"
done
job_said "matrix: [python3]" "LEAKGATE_SHARD unset: this job runs every workload" "$log" ||
	fail "matrix: no note on sharding"

# The suite's four tests, two to each job, by sorted node id.
for k in 1 2; do
	job_status PASS "suite: [$k/2]" "$log" || fail "suite $k/2 did not pass"
	[ "$(xpath "count(//testcase)" "out/suite/leakgate-$k.xml")" = 2 ] ||
		fail "suite $k/2: not two tests"
done
job_said "suite: [1/2]" "--pytest tests -k 'sum or join'" "$log" ||
	fail "suite: no --pytest in the leakgate run line"
for name in test_join test_sum[2]; do
	[ "$(xpath "count(//testsuite[@name='tests/test_suite.py::$name'])" \
		out/suite/leakgate-1.xml)" = 1 ] || fail "suite 1/2: no $name"
done
job_status PASS suite-merge "$log" || fail "suite-merge did not pass"
[ "$(suites out/suite/leakgate.xml)" = 4 ] || fail "suite-merge: not the four tests"

job_status PASS cloned "$log" || fail "cloned did not pass"
[ "$(verdict out/cloned/leakgate.xml known)" = expected-leak ] || fail "cloned: verdict"
[ "$(prop out/cloned/leakgate.xml known baseline.status)" = same ] || fail "cloned: baseline"

job_said cloned "leakgate: lg-test of $leakgate_repo is " "$log" || fail "cloned: no checkout"
[ -d "$project/.leakgate-ci" ] && fail "cloned: the checkout went into the artifacts"

log="$tmp/moved.log"
[ "$moved_code" -eq 0 ] || fail "the pipeline after lg-test moved failed"
job_said cloned "leakgate: lg-test of $leakgate_repo is $moved" "$log" ||
	fail "cloned: the cached checkout did not follow lg-test"
job_said cloned "leakgate-test: the moved branch" "$log" || fail "cloned: old scripts ran"
job_said cloned "does not run here: building it again" "$log" ||
	fail "cloned: the cached build was not checked"

job_status PASS leakgate-baseline "$log" || fail "leakgate-baseline did not pass"
git --git-dir="$notes_repo" notes --ref=leakgate show "$(git_c rev-parse HEAD)" 2>/dev/null |
	grep -q '^\[baseline "known"\]' || fail "leakgate-baseline: no note pushed for HEAD"

log="$tmp/mr.log"
[ "$mr_code" -eq 0 ] || fail "the merge-request pipeline failed"
job_status PASS mr "$log" || fail "mr did not pass"
starts "$base_sha" "$(prop out/mr/leakgate.xml known baseline.rev)" ||
	fail "mr: baseline.rev is not CI_MERGE_REQUEST_DIFF_BASE_SHA ($(prop out/mr/leakgate.xml known baseline.rev))"

# README's GitLab snippets (the first screen's and the section's), as pasted
# but for the include (gitlab-ci-local cannot reach a GitLab project): valid,
# and the jobs they promise.
n=0
python3 - "$source_dir/README.md" "$project" <<'PY' || fail "README: no GitLab snippets"
import re, sys
readme, project = sys.argv[1], sys.argv[2]
text = open(readme).read()
blocks = [b for b in re.findall(r"^```yaml\n(.*?)^```", text, re.S | re.M)
          if "extends: .leakgate" in b]
for i, b in enumerate(blocks, 1):
    b = re.sub(r"^include:\n(?:  .*\n)+", "", b, flags=re.M)
    with open("%s/readme-%d.yml" % (project, i), "w") as f:
        f.write("include:\n  - local: leakgate.gitlab-ci.yml\n" + b)
sys.exit(0 if blocks else 1)
PY
for f in "$project"/readme-*.yml; do
	[ -f "$f" ] || continue
	n=$((n + 1))
	client --file "$(basename "$f")" --list >"$tmp/readme.log" 2>&1 ||
		{ cat "$tmp/readme.log"; fail "README snippet $n: gitlab-ci-local rejects it"; }
	grep -q "^leakgate[ :]" "$tmp/readme.log" || { cat "$tmp/readme.log"; fail "README snippet $n: no job leakgate"; }
done
grep -q "^leakgate-merge[ :]" "$tmp/readme.log" || fail "README's sharded snippet: no leakgate-merge"

# What a viewer makes of every JUnit file the jobs wrote (an empty
# <testsuites> used to crash it).
for f in "$project"/out/*/leakgate*.xml; do
	"$clients/node_modules/.bin/xunit-viewer" -r "$f" -o "$tmp/view.html" \
		>"$tmp/view.log" 2>&1 && [ -s "$tmp/view.html" ] ||
		{ cat "$tmp/view.log"; fail "xunit-viewer cannot read ${f#"$project"/}"; }
done

if [ "$failed" -ne 0 ]; then
	echo "--- push pipeline"; cat "$tmp/push.log"
	echo "--- merge-request pipeline"; cat "$tmp/mr.log"
	echo "--- after lg-test moved"; cat "$tmp/moved.log"
	exit 1
fi
echo "gitlab: ok"
