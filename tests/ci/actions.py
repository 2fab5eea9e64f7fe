"""The GitHub side for actionlint, which reads workflows only: writes into
OUT_DIR the composite action (action/action.yml) as a workflow_call
workflow (its inputs typed, its steps, its outputs as job outputs over the
same steps) and every workflow of README.md, and checks what actionlint
cannot: the action's metadata, and that every `with:` given to leakgate's
action (./action or OWNER/leakgate/action@REF) is one of its inputs.
Prints the files to lint; exit 1 with one line per problem.
Usage: python3 actions.py SOURCE_DIR OUT_DIR"""
import json
import os
import re
import sys

import yaml

source, out = sys.argv[1], sys.argv[2]
problems = []

action = yaml.safe_load(open(os.path.join(source, "action/action.yml")))
for key in ("name", "description", "inputs", "outputs", "runs"):
    if key not in action:
        problems.append("action/action.yml: no %s" % key)
inputs = action.get("inputs", {})
for name, spec in inputs.items():
    if "description" not in spec:
        problems.append("action/action.yml: input %s has no description" % name)
runs = action.get("runs", {})
if runs.get("using") != "composite":
    problems.append("action/action.yml: runs.using is not composite")
for i, step in enumerate(runs.get("steps", [])):
    if "run" in step and "shell" not in step:
        problems.append("action/action.yml: step %d runs without shell" % (i + 1))

workflow = {
    "name": "action",
    "on": {"workflow_call": {"inputs": {
        name: {"type": "string", "required": bool(spec.get("required")),
               "default": str(spec.get("default", ""))}
        for name, spec in inputs.items()}}},
    "jobs": {"action": {
        "runs-on": "ubuntu-latest",
        "outputs": {name: spec["value"] for name, spec in action.get("outputs", {}).items()},
        "steps": runs.get("steps", []),
    }},
}
files = []
path = os.path.join(out, "action-as-workflow.yml")
with open(path, "w") as f:
    json.dump(workflow, f, indent=1)  # JSON is YAML
files.append(path)


def check_uses(doc, where):
    for job in (doc.get("jobs") or {}).values():
        for step in job.get("steps", []):
            uses = step.get("uses", "")
            if uses == "./action" or re.match(r"[^/]+/leakgate/action@", uses):
                for key in step.get("with") or {}:
                    if key not in inputs:
                        problems.append("%s: %s has no input '%s'" % (where, uses, key))


for name in sorted(os.listdir(os.path.join(source, ".github/workflows"))):
    path = os.path.join(source, ".github/workflows", name)
    check_uses(yaml.safe_load(open(path)), path)
    files.append(path)

readme = open(os.path.join(source, "README.md")).read()
blocks = re.findall(r"^```yaml\n(.*?)^```", readme, re.S | re.M)
n = 0
for block in blocks:
    # A block may hold several files, each starting with its path.
    for part in re.split(r"^(?=# \.github/workflows/)", block, flags=re.M):
        if "runs-on:" not in part:
            continue
        n += 1
        path = os.path.join(out, "readme-%d.yml" % n)
        with open(path, "w") as f:
            f.write(part)
        check_uses(yaml.safe_load(part), "README.md workflow %d" % n)
        files.append(path)
if n == 0:
    problems.append("README.md: no GitHub workflow found")

for p in problems:
    print("FAIL actions: " + p, file=sys.stderr)
print("\n".join(files))
sys.exit(1 if problems else 0)
