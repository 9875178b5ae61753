#!/usr/bin/env bash
# How many public Terraform roots does provision accept (issue 10)? For each root of a list file
# (default scripts/public-roots.txt: `owner/repo commit path [argument...]` a line), gets the
# repository at that commit, runs `provision init` when the root calls non-local modules (which
# needs the internet: offline it is reported as "needs registry" and counted apart), then
# `provision validate`, then an offline `provision plan` against a fresh moto with an empty state,
# and prints one line per root with the first error of each step, then the counts.
# Needs the internet (GitHub, the module registry) unless ROOTS_MIRROR is set: never run by CI
# or scripts/test.sh.
#
# Usage: scripts/check-public-roots.sh [LIST]
# Env:   ROOTS_MIRROR=DIR            read repositories from local bare mirrors DIR/<owner>+<repo>/repo
#                                    (as the `fetch` tool leaves them) instead of cloning GitHub
#        ROOTS_MODULES_FROM_MIRROR=1 with ROOTS_MIRROR: registry modules `terraform-aws-modules/NAME/aws`
#                                    called by the root are taken from DIR/terraform-aws-modules+terraform-aws-NAME
#                                    (the newest release of the major its `version` names, else the
#                                    mirror's HEAD; not Terraform's version resolution) and
#                                    listed in .terraform/modules/modules.json instead of `provision init`
#        PROVISION=path              the provision binary (default target/debug/provision, built when missing)
#        PROVISION_MOTO_SERVER       the moto_server to run (default: scripts/install-moto.sh's)
#        ROOTS_KEEP=1                keep the work directory (the roots and every command's output)
#        ROOTS_ERRORS=40             how many distinct validate errors to list at the end
# Exit status: 0 when the list was run (whatever the roots gave), 2 on a usage error.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo="$(pwd)"
list="${1:-scripts/public-roots.txt}"
[[ -f "$list" ]] || { echo "error: no list file $list" >&2; exit 2; }
mirror="${ROOTS_MIRROR:-}"
modules_from_mirror="${ROOTS_MODULES_FROM_MIRROR:-0}"
moto_server="${PROVISION_MOTO_SERVER:-$(scripts/install-moto.sh)}"
provision="${PROVISION:-$repo/target/debug/provision}"
if [[ ! -x "$provision" ]]; then
    echo "building provision..." >&2
    cargo build --locked --quiet -p provision-cli --bin provision
fi

work="$(mktemp -d)"
moto_pid=""
stop_moto() {
    if [[ -n "$moto_pid" ]]; then
        kill "$moto_pid" 2>/dev/null || true
        wait "$moto_pid" 2>/dev/null || true
        moto_pid=""
    fi
}
cleanup() {
    stop_moto
    if [[ "${ROOTS_KEEP:-0}" == 1 ]]; then echo "kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_SESSION_TOKEN=testing
export AWS_REGION=eu-west-1 AWS_DEFAULT_REGION=eu-west-1 AWS_EC2_METADATA_DISABLED=true NO_COLOR=1
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null PROVISION_RECOVERY_SETTLE=0s

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# A fresh moto per root: the plan starts from an empty account and an empty state.
start_moto() {
    local port
    port="$(free_port)"
    MOTO_ACM_VALIDATION_WAIT=0 MOTO_IAM_LOAD_MANAGED_POLICIES=true \
        "$moto_server" -H 127.0.0.1 -p "$port" >"$work/$1.moto.log" 2>&1 &
    moto_pid=$!
    for _ in $(seq 1 150); do
        curl -fs "http://127.0.0.1:$port/moto-api/" >/dev/null 2>&1 && break
        sleep 0.2
    done
    export AWS_ENDPOINT_URL="http://127.0.0.1:$port"
}

# The repository at the commit, into $1.
get_repo() {
    local slug="$1" commit="$2" dest="$3"
    mkdir -p "$dest"
    if [[ -n "$mirror" ]]; then
        local git_dir="$mirror/${slug/\//+}/repo"
        [[ -d "$git_dir" ]] || { echo "no mirror $git_dir"; return 1; }
        # A mirror may lack its largest files (e.g. a test fixture .zip): archive the files it has.
        git --git-dir="$git_dir" rev-parse --verify --quiet "$commit^{commit}" >/dev/null ||
            { echo "error: $git_dir has no commit $commit"; return 1; }
        git --git-dir="$git_dir" ls-tree -r -z "$commit" | python3 -c '
import subprocess, sys
git_dir, entries = sys.argv[1], [e for e in sys.stdin.buffer.read().split(b"\0") if e]
blobs = [(e.split(b"\t", 1)[0].split()[2], e.split(b"\t", 1)[1]) for e in entries if e.split()[1] == b"blob"]
check = subprocess.run(["git", "--git-dir", git_dir, "cat-file", "--batch-check=%(objecttype)"],
                       input=b"".join(sha + b"\n" for sha, _ in blobs), capture_output=True, check=True).stdout.splitlines()
sys.stdout.buffer.write(b"".join(path + b"\0" for (_, path), kind in zip(blobs, check) if kind == b"blob"))
' "$git_dir" | xargs -0 sh -c 'g="$0" c="$1" d="$2"; shift 2; git --git-dir="$g" archive "$c" -- "$@" | tar -x -C "$d"' "$git_dir" "$commit" "$dest" || return 1
    else
        git clone --quiet "https://github.com/$slug.git" "$dest" 2>&1 &&
            git -C "$dest" -c advice.detachedHead=false checkout --quiet "$commit" 2>&1 || return 1
    fi
}

# The `source` of every module call of the root directory that is not a local path.
remote_sources() {
    python3 - "$1" <<'PY'
import os, re, sys
root = sys.argv[1]
for name in sorted(os.listdir(root)):
    if name.endswith(".tf"):
        text = open(os.path.join(root, name), errors="replace").read()
        for m in re.finditer(r'(?ms)^module\s+"[^"]+"\s*\{(.*?)^\}', text):
            src = re.search(r'(?m)^\s*source\s*=\s*"([^"]+)"', m.group(1))
            if src and not src.group(1).startswith((".", "/")):
                print(src.group(1))
PY
}

# The registry calls `module "KEY" { source = "terraform-aws-modules/NAME/aws[//SUB]" }` of the
# root, taken from the mirrors and listed in .terraform/modules/modules.json as `init` would.
modules_from_mirrors() {
    python3 - "$1" "$mirror" <<'PY'
import json, os, re, subprocess, sys
root, mirror = sys.argv[1:]
calls = []
for name in sorted(os.listdir(root)):
    if not name.endswith(".tf"):
        continue
    text = open(os.path.join(root, name)).read()
    for m in re.finditer(r'(?m)^module\s+"([^"]+)"\s*\{(.*?)^\}', text, re.S):
        src = re.search(r'(?m)^\s*source\s*=\s*"([^"]+)"', m.group(2))
        version = re.search(r'(?m)^\s*version\s*=\s*"([^"]+)"', m.group(2))
        if src and not src.group(1).startswith((".", "/")):
            calls.append((m.group(1), src.group(1), version.group(1) if version else None))
modules = [{"Key": "", "Source": "", "Dir": "."}]
def release(git_dir, constraint):
    """The newest vX.Y.Z tag of the major the constraint names (`~> 5.0`, `>= 5.1`), else HEAD."""
    tags = subprocess.run(["git", "--git-dir", git_dir, "tag"], capture_output=True, text=True).stdout.split()
    versions = sorted((tuple(int(x) for x in t[1:].split(".")), t) for t in tags if re.fullmatch(r"v\d+\.\d+\.\d+", t))
    major = re.search(r"(\d+)", constraint or "")
    picked = [t for v, t in versions if major and v[0] == int(major.group(1))]
    return picked[-1] if picked else "HEAD"
for key, source, constraint in calls:
    pkg, _, sub = source.partition("//")
    parts = pkg.split("/")
    if len(parts) != 3 or parts[0] != "terraform-aws-modules" or parts[2] != "aws":
        sys.exit(f"module {key}: {source} is not a terraform-aws-modules registry module")
    git_dir = os.path.join(mirror, f"terraform-aws-modules+terraform-aws-{parts[1]}", "repo")
    if not os.path.isdir(git_dir):
        sys.exit(f"module {key}: no mirror {git_dir}")
    rev = release(git_dir, constraint)
    dest = os.path.join(root, ".terraform", "modules", key)
    os.makedirs(dest, exist_ok=True)
    archive = subprocess.run(["git", "--git-dir", git_dir, "archive", rev], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", dest], input=archive, check=True)
    rel = os.path.join(".terraform", "modules", key, sub) if sub else os.path.join(".terraform", "modules", key)
    modules.append({"Key": key, "Source": f"registry.terraform.io/{pkg}" + (f"//{sub}" if sub else ""),
                    "Version": rev.lstrip("v"), "Dir": rel})
    print(f"module {key}: {source} {constraint or ''} -> {rev}")
with open(os.path.join(root, ".terraform", "modules", "modules.json") if calls else os.devnull, "w") as f:
    json.dump({"Modules": modules}, f)
PY
}

# The first error of a command's output: its first `error:` line and, when the next lines point
# at a file, that place.
first_error() {
    python3 - "$1" <<'PY'
import re, sys
lines = [re.sub(r"\x1b\[[0-9;]*m", "", l.rstrip()) for l in open(sys.argv[1], errors="replace")]
for i, l in enumerate(lines):
    if l.startswith("error"):
        where = next((m.group(1) for m in (re.match(r"\s*┌─ (\S+)", x) for x in lines[i + 1:i + 3]) if m), "")
        print((l + (f" ({where})" if where else ""))[:240])
        break
else:
    rest = [l for l in lines if l.strip()]
    print((rest[-1] if rest else "no output")[:240])
PY
}

n=0 n_registry=0 n_get=0 n_validate=0 n_plan=0
results="$work/results.txt"
: >"$results"
while read -r slug commit path args_line; do
    [[ -z "$slug" || "$slug" == \#* ]] && continue
    n=$((n + 1))
    read -r -a args <<<"${args_line:-}"
    tag="$n-${slug/\//+}"
    checkout="$work/$tag"
    dir="$checkout/$path"
    label="$slug/$path"
    echo "== $label ($commit)" >&2
    if ! get_repo "$slug" "$commit" "$checkout" >"$work/$tag.get.out" 2>&1; then
        n_get=$((n_get + 1))
        echo "$label | not fetched: $(first_error "$work/$tag.get.out")" >>"$results"
        continue
    fi
    if [[ -n "$(remote_sources "$dir")" ]]; then
        if [[ -n "$mirror" && "$modules_from_mirror" == 1 ]]; then
            if ! modules_from_mirrors "$dir" >"$work/$tag.init.out" 2>&1; then
                n_registry=$((n_registry + 1))
                echo "$label | needs registry: $(first_error "$work/$tag.init.out")" >>"$results"
                continue
            fi
        elif ! "$provision" -C "$dir" init >"$work/$tag.init.out" 2>&1; then
            # Offline, the download fails; any other init error is the configuration's, which
            # validate reports below.
            if grep -qiE 'not reachable|could not be reached|dns error|could not resolve|clone' "$work/$tag.init.out"; then
                n_registry=$((n_registry + 1))
                echo "$label | needs registry: $(first_error "$work/$tag.init.out")" >>"$results"
                continue
            fi
        fi
    fi
    if "$provision" -C "$dir" validate "${args[@]}" >"$work/$tag.validate.out" 2>&1; then
        n_validate=$((n_validate + 1))
        validate="validate ok"
    else
        validate="validate FAIL: $(first_error "$work/$tag.validate.out")"
    fi
    # A backend "s3" block: the plan reads its state from a bucket of the emulator, made empty.
    backend=()
    if grep -qE 'backend\s+"s3"' "$dir"/*.tf 2>/dev/null; then
        backend=(--backend-config bucket=public-roots-state --backend-config region=eu-west-1
            --backend-config key=public-roots.tfstate)
    fi
    start_moto "$tag"
    [[ ${#backend[@]} -eq 0 ]] || curl -fs -X PUT "$AWS_ENDPOINT_URL/public-roots-state" \
        -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' >/dev/null 2>&1 || true
    if "$provision" -C "$dir" plan -input=false "${backend[@]}" "${args[@]}" >"$work/$tag.plan.out" 2>&1; then
        n_plan=$((n_plan + 1))
        plan="plan ok ($(grep -E '^(Plan:|No changes)' "$work/$tag.plan.out" | head -n 1))"
    else
        plan="plan FAIL: $(first_error "$work/$tag.plan.out")"
    fi
    stop_moto
    echo "$label | $validate | $plan" >>"$results"
done <"$list"

echo
cat "$results"
echo
echo "roots: $n; not fetched: $n_get; needs registry: $n_registry; validate ok: $n_validate; plan ok: $n_plan"

# Every error validate reported, over all roots, by kind: what blocks them beyond the first.
echo
echo "validate errors over all roots (count, error):"
cat "$work"/*.validate.out 2>/dev/null | sed -e 's/\x1b\[[0-9;]*m//g' | grep '^error' | sort | uniq -c | sort -rn | head -n "${ROOTS_ERRORS:-40}"
