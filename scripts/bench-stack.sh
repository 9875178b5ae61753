#!/usr/bin/env bash
# Benchmark: whole stacks against their critical path (issue 17). For each example, against moto
# behind the fault-injection proxy with its "real AWS timing" profile (each slow object pending for
# its AWS duration times BENCH_SCALE; see crates/provision-testkit/src/emulate_timing.rs):
#   - apply wall time ÷ the critical path (the longest chain of those durations along the stack's
#     recorded dependencies, computed from the state by `provision-fault-proxy critical-path`);
#   - `destroy --layer runtime` + `apply` (the nightly cycle) ÷ its critical path, and what that
#     projects to on AWS (scale 1);
#   - the AWS calls of a plan with nothing to change, next to the resources and resource types;
#   - the full destroy;
# then the same apply / plan / nightly / destroy with Terraform through the same proxy and scale
# when `terraform` is on the PATH; and the peak memory of a 10,000-resource `plan --refresh=false`.
# Writes the section "## Whole stacks against their critical path" of docs/benchmarks.md.
# A benchmark, never part of the test suite (a user's machine has no Terraform).
#
# Usage: scripts/bench-stack.sh [example...]
#        (default: every examples/seed-*, then containers web database frontend modules)
# Env:   BENCH_SCALE=0.02          the timing profile's scale (0.02: a NAT gateway pending 2.4 s)
#        BENCH_PROFILE=debug|release  (default: release when target/release/provision exists)
#        BENCH_TERRAFORM=1         0 leaves Terraform out
#        BENCH_TF_TIMEOUT=300      seconds a Terraform command may take (then reported as failed)
#        BENCH_MEMORY_N=10000      resources of the memory benchmark (0 leaves it out)
#        BENCH_BUILD_LOCK=FILE     run cargo under `flock FILE` (a machine shared by several builds)
#        BENCH_BUILD=1             0 uses the binaries already in target/ as they are
#        PROVISION_MOTO_SERVER     the moto_server to run (default: scripts/install-moto.sh's)
#        BENCH_KEEP=1              keep the work directory (configurations, states, outputs)
#        BENCH_RENDER=DIR          only write the section again from a kept work directory
#        BENCH_ARGS_<example>      arguments for every command on that example, for both tools
#                                  (default for database: -var=deletion_protection=false, so that
#                                  its destroy is not refused)
#        BENCH_WRITE=1             0 prints the section instead of writing docs/benchmarks.md
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo="$(pwd)"
scale="${BENCH_SCALE:-0.02}"
with_terraform="${BENCH_TERRAFORM:-1}"
tf_timeout="${BENCH_TF_TIMEOUT:-300}"
memory_n="${BENCH_MEMORY_N:-10000}"
if [[ -n "${BENCH_PROFILE:-}" ]]; then
    profile="$BENCH_PROFILE"
elif [[ -x target/release/provision ]]; then
    profile=release
else
    profile=debug
fi

if [[ $# -gt 0 ]]; then
    examples=("$@")
else
    examples=()
    for d in examples/seed-*/; do
        [[ -d "$d" ]] && examples+=("$(basename "$d")")
    done
    for e in containers web database frontend modules; do
        [[ -d "examples/$e" ]] && examples+=("$e")
    done
fi

# The emulator: PROVISION_MOTO_SERVER (as the tests), else the pinned one in .venv.
render_only="${BENCH_RENDER:-}"
moto_server="${PROVISION_MOTO_SERVER:-}"
[[ -n "$moto_server" || -n "$render_only" ]] || moto_server="$(scripts/install-moto.sh)"
cargo_run() {
    if [[ -n "${BENCH_BUILD_LOCK:-}" ]]; then
        flock "$BENCH_BUILD_LOCK" cargo "$@"
    else
        cargo "$@"
    fi
}
release=()
[[ "$profile" == release ]] && release=(--release)
if [[ "${BENCH_BUILD:-1}" == 1 && -z "$render_only" ]]; then
    echo "building provision and provision-fault-proxy ($profile)..." >&2
    cargo_run build --locked --quiet "${release[@]}" -p provision-cli --bin provision
    cargo_run build --locked --quiet "${release[@]}" -p provision-testkit --bin provision-fault-proxy
fi
provision="$repo/target/$profile/provision"
fault_proxy="$repo/target/$profile/provision-fault-proxy"

work="${render_only:-$(mktemp -d)}"
pids=()
cleanup() {
    for p in "${pids[@]}"; do
        kill "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    if [[ "${BENCH_KEEP:-0}" == 1 || -n "$render_only" ]]; then
        echo "kept $work" >&2
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT

export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_SESSION_TOKEN=testing
export AWS_REGION=eu-west-1 AWS_DEFAULT_REGION=eu-west-1 AWS_EC2_METADATA_DISABLED=true NO_COLOR=1
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
export PROVISION_RECOVERY_SETTLE=0s
results="$work/results.jsonl"
[[ -n "$render_only" ]] || : >"$results"

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
now() { echo "$EPOCHREALTIME"; }
secs() { python3 -c "print(f'{$2 - $1:.2f}')"; }

# Starts moto and the proxy in front of it; sets proxy_url and the pids to stop.
start_emulator() {
    local tag="$1" port
    port="$(free_port)"
    MOTO_ACM_VALIDATION_WAIT=0 MOTO_IAM_LOAD_MANAGED_POLICIES=true \
        "$moto_server" -H 127.0.0.1 -p "$port" >"$work/$tag.moto.log" 2>&1 &
    moto_pid=$!
    pids+=("$moto_pid")
    for _ in $(seq 1 150); do
        curl -fs "http://127.0.0.1:$port/moto-api/" >/dev/null 2>&1 && break
        sleep 0.2
    done
    warm_up "$port"
    "$fault_proxy" --upstream "http://127.0.0.1:$port" --timing-scale "$scale" \
        >"$work/$tag.proxy.out" 2>"$work/$tag.proxy.log" &
    proxy_pid=$!
    pids+=("$proxy_pid")
    for _ in $(seq 1 100); do
        proxy_url="$(head -n 1 "$work/$tag.proxy.out" 2>/dev/null || true)"
        [[ -n "$proxy_url" ]] && break
        sleep 0.1
    done
    export AWS_ENDPOINT_URL="$proxy_url"
}

# moto builds a service's backend on its first request to it, which takes seconds on a busy
# machine: one cheap read per service of the stacks, straight to moto, so that no tool pays it.
warm_up() {
    python3 - "$1" <<'PY'
import sys, urllib.request
port = sys.argv[1]
def call(service, method="POST", path="/", body=b"", headers=None):
    h = {"Authorization": f"AWS4-HMAC-SHA256 Credential=testing/20260101/eu-west-1/{service}/aws4_request, "
                          "SignedHeaders=host, Signature=0"}
    h.update(headers or {})
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body if method == "POST" else None,
                                 headers=h, method=method)
    try:
        urllib.request.urlopen(req, timeout=60).read()
    except Exception:
        pass
form = {"Content-Type": "application/x-www-form-urlencoded"}
for service, action, version in [("ec2", "DescribeVpcs", "2016-11-15"), ("elasticloadbalancing", "DescribeLoadBalancers", "2015-12-01"),
                                 ("rds", "DescribeDBInstances", "2014-10-31"), ("iam", "ListRoles", "2010-05-08"),
                                 ("sns", "ListTopics", "2010-03-31"), ("monitoring", "DescribeAlarms", "2010-08-01"),
                                 ("sts", "GetCallerIdentity", "2011-06-15")]:
    call(service, body=f"Action={action}&Version={version}".encode(), headers=form)
for service, target in [("ecs", "AmazonEC2ContainerServiceV20141113.ListClusters"), ("ecr", "AmazonEC2ContainerRegistry_V20150921.DescribeRepositories"),
                        ("acm", "CertificateManager.ListCertificates"), ("logs", "Logs_20140328.DescribeLogGroups"),
                        ("secretsmanager", "secretsmanager.ListSecrets"), ("dynamodb", "DynamoDB_20120810.ListTables"),
                        ("ssm", "AmazonSSM.DescribeParameters"), ("kms", "TrentService.ListKeys"),
                        ("application-autoscaling", "AnyScaleFrontendService.DescribeScalableTargets")]:
    call(service, body=b"{}", headers={"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.1"})
call("route53", "GET", "/2013-04-01/hostedzone")
call("cloudfront", "GET", "/2020-05-31/distribution")
call("elasticfilesystem", "GET", "/2015-02-01/file-systems")
call("s3", "GET", "/")
PY
}

stop_emulator() {
    kill "$proxy_pid" "$moto_pid" 2>/dev/null || true
    wait "$proxy_pid" "$moto_pid" 2>/dev/null || true
}

reset_calls() { curl -fs -X POST "$proxy_url/__provision/stats/reset" >/dev/null; }
# The calls since the last reset, as JSON.
calls_json() { curl -fs "$proxy_url/__provision/stats"; }

copy_config() {
    local from="$1" to="$2"
    mkdir -p "$to"
    (cd "$from" && find . -type f \( -name '*.tf' -o -name '*.tfvars' -o -name '*.json' -o -name '*.tpl' \
        -o -name '*.html' -o -name '*.js' -o -name '*.yaml' -o -name '*.yml' -o -name '*.sh' \) \
        -not -path './.terraform/*' -print0 | xargs -0 -I{} cp --parents {} "$to")
}

# Runs a command, timing it; sets wall and status; output in $work/$log.{out,err}.
timed() {
    local log="$1"
    shift
    local t0 t1
    t0=$(now)
    set +e
    "$@" >"$work/$log.out" 2>"$work/$log.err"
    status=$?
    set -e
    t1=$(now)
    wall=$(secs "$t0" "$t1")
}

# One JSON object per step, collected in $results.
record() {
    python3 - "$results" "$@" <<'PY'
import json, sys
path, example, tool, step, wall, status, calls_path = sys.argv[1:8]
extra = dict(a.split("=", 1) for a in sys.argv[8:])
calls = json.load(open(calls_path)) if calls_path != "-" else {"requests": {}, "total": 0}
row = {"example": example, "tool": tool, "step": step, "wall": float(wall), "status": int(status),
       "calls": calls.get("total", 0), "by_op": calls.get("requests", {})}
row.update(extra)
with open(path, "a") as f:
    f.write(json.dumps(row) + "\n")
PY
}

# The first lines of an error, for the table.
why() {
    if [[ "${status:-0}" == 124 ]]; then
        echo -n "killed after ${tf_timeout}s; last lines: "
        grep -v '^\s*$' "$work/$1.out" 2>/dev/null | tail -n 2 | sed -e 's/\x1b\[[0-9;]*m//g' | tr '\n' ' ' | cut -c1-200
        return
    fi
    grep -v '^\s*$' "$work/$1.err" "$work/$1.out" 2>/dev/null | sed -e 's/^[^:]*://' | grep -iE 'error|failed|invalid|not ' | head -n 2 | tr '\n' ' ' | cut -c1-300; }

# The arguments every command on an example gets (variables), for both tools.
example_args() {
    local var="BENCH_ARGS_${1//-/_}"
    local value="${!var-}"
    if [[ -z "${!var+set}" && "$1" == database ]]; then
        value="-var=deletion_protection=false"
    fi
    read -r -a args <<<"$value"
}

run_provision() {
    local name="$1" dir="$work/p-$1"
    local args
    example_args "$name"
    copy_config "examples/$name" "$dir"
    start_emulator "p-$name"
    echo "== $name (provision, scale $scale) through $proxy_url" >&2
    reset_calls
    timed "p-$name-apply" "$provision" -C "$dir" apply --auto-approve "${args[@]}"
    calls_json >"$work/calls.json"
    record "$name" provision apply "$wall" "$status" "$work/calls.json" "error=$(why "p-$name-apply")"
    echo "   apply ${wall}s (exit $status)" >&2
    if [[ $status -ne 0 || ! -f "$dir/provision.tfstate" ]]; then
        stop_emulator
        return
    fi
    "$fault_proxy" critical-path --scale "$scale" --state "$dir/provision.tfstate" >"$work/p-$name.cp.json"
    "$fault_proxy" critical-path --scale "$scale" --state "$dir/provision.tfstate" --layer runtime \
        >"$work/p-$name.cp-runtime.json"
    cp "$work/p-$name.cp.json" "$work/cp-$name.json"
    cp "$work/p-$name.cp-runtime.json" "$work/cp-runtime-$name.json"
    python3 - "$dir/provision.tfstate" >"$work/runtime-$name.txt" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1]))["resources"]:
    if r.get("layer") == "runtime" and not r.get("deposed"):
        print(r["address"])
PY

    reset_calls
    timed "p-$name-plan" "$provision" -C "$dir" plan --detailed-exitcode "${args[@]}"
    calls_json >"$work/calls.json"
    record "$name" provision plan "$wall" "$status" "$work/calls.json"
    echo "   no-change plan ${wall}s (exit $status)" >&2

    if [[ -s "$work/runtime-$name.txt" ]]; then
        reset_calls
        timed "p-$name-night" "$provision" -C "$dir" destroy --layer runtime --auto-approve "${args[@]}"
        calls_json >"$work/calls.json"
        record "$name" provision night "$wall" "$status" "$work/calls.json" "error=$(why "p-$name-night")"
        echo "   destroy --layer runtime ${wall}s (exit $status)" >&2
        reset_calls
        timed "p-$name-morning" "$provision" -C "$dir" apply --auto-approve "${args[@]}"
        calls_json >"$work/calls.json"
        record "$name" provision morning "$wall" "$status" "$work/calls.json" "error=$(why "p-$name-morning")"
        echo "   morning apply ${wall}s (exit $status)" >&2
    fi

    reset_calls
    timed "p-$name-destroy" "$provision" -C "$dir" destroy --auto-approve "${args[@]}"
    calls_json >"$work/calls.json"
    record "$name" provision destroy "$wall" "$status" "$work/calls.json" "error=$(why "p-$name-destroy")"
    echo "   destroy ${wall}s (exit $status)" >&2
    stop_emulator
}

# Terraform: the provider pointed at the proxy through AWS_ENDPOINT_URL, with an override file
# merged into each `provider "aws"` block of the root module (credentials and account checks off,
# path-style S3, which moto needs).
terraform_overrides() {
    local dir="$1"
    python3 "$repo/scripts/lib/terraform-override.py" "$dir" >"$dir/zz_bench_override.tf"
}

run_terraform() {
    local name="$1" dir="$work/t-$1"
    local args
    example_args "$name"
    copy_config "examples/$name" "$dir"
    terraform_overrides "$dir"
    start_emulator "t-$name"
    echo "== $name (terraform, scale $scale) through $proxy_url" >&2
    export TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1 TF_CLI_CONFIG_FILE="$work/terraformrc"
    : >"$TF_CLI_CONFIG_FILE"
    timed "t-$name-init" terraform -chdir="$dir" init -no-color -input=false -plugin-dir=/opt/tf-plugins
    if [[ $status -ne 0 ]]; then
        # Name the providers the configuration needs that the plugin directory lacks.
        local missing
        missing="$(terraform -chdir="$dir" providers -no-color 2>/dev/null \
            | grep -o 'registry.terraform.io/[a-z0-9-]*/[a-z0-9-]*' | sort -u \
            | while read -r p; do [[ -d "/opt/tf-plugins/$p" ]] || echo -n "${p#registry.terraform.io/} "; done)"
        if [[ -n "$missing" ]]; then
            echo "the configuration needs ${missing% }, which /opt/tf-plugins does not hold (it has $(cd /opt/tf-plugins/registry.terraform.io && ls -d */* | tr '\n' ' ' | sed 's/ $//'))" >"$work/t-$name-init.why"
        else
            why "t-$name-init" >"$work/t-$name-init.why"
        fi
        record "$name" terraform init "$wall" "$status" - "error=$(cat "$work/t-$name-init.why")"
        echo "   init failed: $(why "t-$name-init")" >&2
        stop_emulator
        return
    fi
    reset_calls
    timed "t-$name-apply" timeout "$tf_timeout" terraform -chdir="$dir" apply -no-color -auto-approve -input=false "${args[@]}"
    calls_json >"$work/calls.json"
    record "$name" terraform apply "$wall" "$status" "$work/calls.json" "error=$(why "t-$name-apply")"
    echo "   apply ${wall}s (exit $status)" >&2
    local applied=$status
    if [[ $applied -eq 0 ]]; then
        reset_calls
        timed "t-$name-plan" timeout "$tf_timeout" terraform -chdir="$dir" plan -no-color -detailed-exitcode -input=false "${args[@]}"
        calls_json >"$work/calls.json"
        record "$name" terraform plan "$wall" "$status" "$work/calls.json" "error=$(why "t-$name-plan")"
        echo "   no-change plan ${wall}s (exit $status)" >&2
        # The nightly cycle: Terraform has no layers; a team targets the objects provision's
        # runtime layer holds (its addresses come from provision's state of the same example).
        if [[ -s "$work/runtime-$name.txt" ]]; then
            local targets=()
            while read -r a; do targets+=("-target=$a"); done <"$work/runtime-$name.txt"
            reset_calls
            timed "t-$name-night" timeout "$tf_timeout" terraform -chdir="$dir" destroy -no-color -auto-approve -input=false "${args[@]}" "${targets[@]}"
            calls_json >"$work/calls.json"
            record "$name" terraform night "$wall" "$status" "$work/calls.json" "error=$(why "t-$name-night")"
            echo "   destroy -target (runtime) ${wall}s (exit $status)" >&2
            reset_calls
            timed "t-$name-morning" timeout "$tf_timeout" terraform -chdir="$dir" apply -no-color -auto-approve -input=false "${args[@]}"
            calls_json >"$work/calls.json"
            record "$name" terraform morning "$wall" "$status" "$work/calls.json" "error=$(why "t-$name-morning")"
            echo "   morning apply ${wall}s (exit $status)" >&2
        fi
    fi
    if [[ $applied -ne 0 ]]; then
        stop_emulator
        return
    fi
    reset_calls
    timed "t-$name-destroy" timeout "$tf_timeout" terraform -chdir="$dir" destroy -no-color -auto-approve -input=false "${args[@]}"
    calls_json >"$work/calls.json"
    record "$name" terraform destroy "$wall" "$status" "$work/calls.json" "error=$(why "t-$name-destroy")"
    echo "   destroy ${wall}s (exit $status)" >&2
    stop_emulator
}

for name in "${examples[@]}"; do
    [[ -z "$render_only" ]] || break
    if [[ ! -d "examples/$name" ]]; then
        echo "no examples/$name" >&2
        exit 2
    fi
    run_provision "$name"
    if [[ "$with_terraform" == 1 ]] && command -v terraform >/dev/null; then
        run_terraform "$name"
    fi
done

# Peak memory of a plan of N resources (N/10 VPCs, the rest subnets, as scripts/bench.sh), with
# no refresh and an empty state: no AWS call.
mem_line="$(cat "$work/mem_line.txt" 2>/dev/null || true)"
if [[ "$memory_n" -gt 0 && -z "$render_only" ]]; then
    n="$memory_n"
    vpcs=$(((n + 9) / 10))
    subnets=$((n - vpcs))
    mkdir -p "$work/mem"
    cat >"$work/mem/main.tf" <<TF
resource "aws_vpc" "v" {
  count      = $vpcs
  cidr_block = "10.\${count.index % 250}.0.0/16"
  tags       = { Name = "bench-\${count.index}" }
}

resource "aws_subnet" "s" {
  count      = $subnets
  vpc_id     = aws_vpc.v[floor(count.index / 9)].id
  cidr_block = cidrsubnet(aws_vpc.v[floor(count.index / 9)].cidr_block, 8, count.index % 9)
  tags       = { Name = "bench-\${count.index}" }
}
TF
    t0=$(now)
    /usr/bin/time -v "$provision" -C "$work/mem" plan --refresh=false >"$work/mem.out" 2>"$work/mem.err" || true
    t1=$(now)
    rss_kb=$(grep 'Maximum resident set size' "$work/mem.err" | awk '{print $NF}')
    mem_line="| $n | $vpcs | $subnets | $(secs "$t0" "$t1") | $(python3 -c "print(f'{${rss_kb:-0} / 1024:.0f}')") |"
    echo "$mem_line" >"$work/mem_line.txt"
    echo "memory: $mem_line" >&2
fi

cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
tf_version="$(terraform version 2>/dev/null | head -n 1 || true)"
section="$work/section.md"
python3 - "$results" "$work" "$scale" "$profile" "$(nproc)" "$cpu" "$tf_version" "$mem_line" "${examples[@]}" \
    >"$section" <<'PY'
import datetime, json, os, sys

results_path, work, scale, profile, cores, cpu, tf_version, mem_line, *examples = sys.argv[1:]
scale = float(scale)
rows = [json.loads(l) for l in open(results_path) if l.strip()]
def step(example, tool, name):
    for r in rows:
        if (r["example"], r["tool"], r["step"]) == (example, tool, name):
            return r
    return None
def cp(example, runtime=False):
    path = os.path.join(work, f"cp-runtime-{example}.json" if runtime else f"cp-{example}.json")
    return json.load(open(path)) if os.path.exists(path) else None
def ok(r):
    return r is not None and r["status"] == 0
def fmt(x, digits=2):
    return "–" if x is None else f"{x:.{digits}f}"
def ratio(wall, crit_s):
    return None if wall is None or not crit_s else wall / crit_s
def chain(c):
    return " → ".join(f"{l['address']} ({l['seconds'] / 60:g} min)" for l in c["chain"]) or "no wait"
def minutes(s):
    return f"{s / 60:.1f} min"
def failure(r):
    if r is None:
        return "not run"
    if r["status"] == 0:
        return ""
    e = r.get("error", "").strip()
    return f"exit {r['status']}" + (f": {e}" if e else "")
def calls_beyond_types(by_op):
    """The calls of a no-change plan beyond one listing per type: what an API forces per object."""
    out = []
    for op, n in sorted(by_op.items()):
        name = op.split(":", 1)[1]
        if n == 1 and (name.startswith("Describe") or name.startswith("List")):
            continue
        out.append(f"{op}={n}")
    return " ".join(out) or "none"

out = []
p = out.append
p("## Whole stacks against their critical path")
p("")
p(f"Generated by `scripts/bench-stack.sh` on {datetime.date.today()} ({profile} build, {cores} cores, {cpu}), "
  f"against moto behind the fault-injection proxy (`provision-fault-proxy`) with its \"real AWS timing\" "
  f"profile at scale **{scale:g}**: each slow object reports its pending state for its AWS duration × {scale:g} "
  f"after its create, and its deleting state likewise after its delete (NAT gateway 2 min → {120 * scale:g} s, "
  f"ALB 2.5 min, RDS single-AZ 6 min, Multi-AZ 20 min, Aurora cluster 3 + instance 7 min, CloudFront 5 min, "
  f"ACM DNS validation 2 min from its record, ECS service 2.5 min; see "
  f"`crates/provision-testkit/src/emulate_timing.rs`). Every command runs once; calls are counted by the proxy "
  f"(every HTTP request it forwards or answers, retries included).")
p("")
p("The **critical path** is the longest chain of those durations along the dependencies the state records "
  "(`provision-fault-proxy critical-path`): each object weighs what a tool must wait for after its call "
  "(types without a duration weigh 0; a distribution only with `wait_for_deployment`, an ECS service's "
  "rollout only with `wait_for_steady_state`); an apply cannot end before it. For a destroy the chain runs "
  "the other way (an object's delete waits for the deletes of what depends on it). The nightly cycle's "
  "critical path is the runtime layer's destroy chain plus its apply chain. Ratio = wall ÷ (critical path × "
  f"{scale:g}); 1.00 would mean nothing waited that did not have to and the calls cost nothing.")
p("")
p("### provision")
p("")
p("| example | resources | types | apply (s) | critical path (AWS) | apply ÷ critical path | ÷ polled | nightly: destroy + apply (s) | nightly critical path (AWS) | nightly ÷ critical path | ÷ polled | nightly projected on AWS | destroy (s) | destroy ÷ critical path | ÷ polled |")
p("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
notes = []
for ex in examples:
    a, n1, n2, d = (step(ex, "provision", s) for s in ("apply", "night", "morning", "destroy"))
    c, cr = cp(ex), cp(ex, True)
    if not ok(a) or c is None:
        p(f"| {ex} | | | – | | | | | | | | | | | |")
        notes.append(f"- **{ex}**: provision's apply failed ({failure(a)}).")
        continue
    crit = c["apply"]["seconds"]
    r = ratio(a["wall"], crit * scale)
    rp = ratio(a["wall"], c["polled"]["apply"])
    night = night_crit = night_r = night_rp = proj = "–"
    if cr and cr["objects"] > 0:
        if ok(n1) and ok(n2):
            w = n1["wall"] + n2["wall"]
            nc = cr["destroy"]["seconds"] + cr["apply"]["seconds"]
            night = f"{n1['wall']:.2f} + {n2['wall']:.2f}"
            night_crit = minutes(nc)
            nr = ratio(w, nc * scale)
            night_r = fmt(nr)
            polled = cr["polled"]["destroy"] + cr["polled"]["apply"]
            polled_aws = cr["polled_aws"]["destroy"] + cr["polled_aws"]["apply"]
            night_rp = fmt(ratio(w, polled))
            # What is not waiting (the calls, and anything serialised) is taken to stay as it is.
            proj = minutes(polled_aws + (w - polled)) if nc else f"{w:.0f} s (no wait)"
        else:
            night = "failed"
            notes.append(f"- **{ex}**: the nightly cycle failed (destroy: {failure(n1) or 'ok'}; apply: {failure(n2) or 'ok'}).")
    else:
        night = "no runtime layer"
    dr = ratio(d["wall"], c["destroy"]["seconds"] * scale) if ok(d) else None
    drp = ratio(d["wall"], c["polled"]["destroy"]) if ok(d) else None
    p(f"| {ex} | {c['objects']} | {c['types']} | {a['wall']:.2f} | {minutes(crit)} | {fmt(r)} | {fmt(rp)} | {night} | "
      f"{night_crit} | {night_r} | {night_rp} | {proj} | {fmt(d['wall']) if ok(d) else 'failed'} | {fmt(dr)} | {fmt(drp)} |")
    notes.append(f"- **{ex}**: apply chain {chain(c['apply'])}; destroy chain {chain(c['destroy'])}"
                 + (f"; nightly chains: destroy {chain(cr['destroy'])}, apply {chain(cr['apply'])}" if cr and cr["objects"] else "")
                 + ".")
p("")
p("Critical paths, as the state records them:")
p("")
out.extend(notes)
p("")
p("**÷ polled**: the wall time ÷ the same chains as provision's waiters see them, each wait ending at the first "
  "poll after it (polls at 0, then after 0.5 s or 1 s, doubling up to every 10 or 15 s: a 3.6 s wait is seen "
  "at 7.5 s, a 180 s one at 180.5 s). At a small scale that overshoot is most of the gap to the critical path; "
  "on AWS it is at most one poll interval per wait. What is left above 1.00 is the calls themselves (a debug "
  "build against moto) and anything waited for in series that need not be. **Projected on AWS**: the polled "
  "chains at scale 1 plus what this run spent beyond its polled chains (taken to stay the same on AWS, where "
  "calls are slower than on loopback but run in parallel the same way).")
p("")
p("### AWS calls of a plan with nothing to change")
p("")
p("| example | resources | resource types | provision: plan (s) | provision: calls | calls beyond one listing per type | terraform: plan (s) | terraform: calls |")
p("|---|---|---|---|---|---|---|---|")
for ex in examples:
    c = cp(ex)
    pl = step(ex, "provision", "plan")
    tp = step(ex, "terraform", "plan")
    if c is None or pl is None:
        continue
    clean = "" if pl["status"] == 0 else f" (exit {pl['status']}: changes)"
    if tp and tp["status"] in (0, 2):
        tcell = (fmt(tp["wall"]) + ("" if tp["status"] == 0 else " (changes¹)"), str(tp["calls"]))
    else:
        tcell = (("exit %d" % tp["status"]) if tp else "–", "–")
    p(f"| {ex} | {c['objects']} | {c['types']} | {pl['wall']:.2f}{clean} | {pl['calls']} | {calls_beyond_types(pl['by_op'])} | {tcell[0]} | {tcell[1]} |")
p("")
tf_rows = [r for r in rows if r["tool"] == "terraform"]
if tf_rows:
    p("¹ Terraform's plan after its apply is not clean against moto: moto leaves out attributes the provider "
      "then wants to set again: `availability_zone_rebalancing` of the ECS service (containers); the "
      "`forwarded_values` moto adds to a cache behavior that names a cache policy, which the provider then removes, "
      "and with it the bucket policy built from the distribution's ARN (frontend). The calls were counted all the same.")
    p("")
    p("### Side by side with Terraform")
    p("")
    p(f"{tf_version} with hashicorp/aws from `/opt/tf-plugins` (`terraform init -plugin-dir`), through the same proxy "
      "and timing profile, one fresh emulator per tool: the provider reaches the proxy through `AWS_ENDPOINT_URL`, with an "
      "override file (`zz_bench_override.tf`) merged into each `provider \"aws\"` block: `access_key`/`secret_key`, "
      "`skip_credentials_validation`, `skip_requesting_account_id`, `skip_metadata_api_check`, `s3_use_path_style`. "
      "Terraform has no layers: its nightly cycle is `destroy` with a `-target` per object of provision's runtime layer, "
      "then `apply`. Ratio = Terraform ÷ provision.")
    p("")
    p("| example | step | provision (s) | terraform (s) | wall ratio | provision calls | terraform calls | calls ratio |")
    p("|---|---|---|---|---|---|---|---|")
    tf_notes = []
    for ex in examples:
        init = step(ex, "terraform", "init")
        if init is not None and init["status"] != 0:
            tf_notes.append(f"- **{ex}**: `terraform init -plugin-dir=/opt/tf-plugins` failed: {init.get('error', '').strip()}.")
            continue
        for s, label in (("apply", "apply"), ("plan", "no-change plan"), ("night", "nightly destroy"),
                         ("morning", "morning apply"), ("destroy", "destroy")):
            pr, tr = step(ex, "provision", s), step(ex, "terraform", s)
            if pr is None and tr is None:
                continue
            pw = pr["wall"] if ok(pr) or (s == "plan" and pr) else None
            tw = tr["wall"] if ok(tr) or (s == "plan" and tr and tr["status"] in (0, 2)) else None
            if tr is not None and tw is None:
                tf_notes.append(f"- **{ex}**, {label}: Terraform {failure(tr)}")
            pc = pr["calls"] if pr else None
            tc = tr["calls"] if tr else None
            p(f"| {ex} | {label} | {fmt(pw)} | {fmt(tw) if tw is not None else 'failed' if tr else '–'} | "
              f"{fmt(ratio(tw, pw)) if pw else '–'} | {pc if pc is not None else '–'} | {tc if tc is not None else '–'} | "
              f"{fmt(ratio(tc, pc)) if pc and tc else '–'} |")
    if tf_notes:
        p("")
        p("Where Terraform did not run:")
        p("")
        out.extend(tf_notes)
    p("")
if mem_line:
    p("### Peak memory of a 10,000-resource plan")
    p("")
    p("`provision plan --refresh=false` on a configuration like `scripts/bench.sh`'s (a tenth VPCs, the rest subnets), "
      "with an empty state (no AWS call): the peak resident size measured by `/usr/bin/time -v`.")
    p("")
    p("| N | VPCs | subnets | plan (s) | peak memory (MB) |")
    p("|---|---|---|---|---|")
    p(mem_line)
    p("")
print("\n".join(out))
PY

if [[ "${BENCH_WRITE:-1}" == 1 ]]; then
    python3 - docs/benchmarks.md "$section" <<'PY'
import re, sys
doc_path, section_path = sys.argv[1:]
doc = open(doc_path).read()
section = open(section_path).read().rstrip() + "\n"
marker = "## Whole stacks against their critical path"
notes_marker = "<!-- bench-stack: notes kept -->"
if marker in doc:
    start = doc.index(marker)
    rest = doc[start + len(marker):]
    nxt = re.search(r"(?m)^## ", rest)
    end = start + len(marker) + nxt.start() if nxt else len(doc)
    old = doc[start:end]
    # Hand-written reading notes after the marker comment are kept.
    kept = old[old.index(notes_marker):] if notes_marker in old else ""
    doc = doc[:start] + section + ("\n" + kept.rstrip() + "\n\n" if kept else "\n") + doc[end:]
else:
    # At the end: scripts/bench.sh regenerates what comes before "## Build times" and keeps the rest.
    doc = doc.rstrip() + "\n\n" + section
open(doc_path, "w").write(doc)
PY
    echo "wrote the section \"Whole stacks against their critical path\" of docs/benchmarks.md" >&2
else
    cat "$section"
fi
