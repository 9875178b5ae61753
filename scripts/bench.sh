#!/usr/bin/env bash
# Benchmark: for N = 10, 100 and 1,000 resources (a tenth VPCs, the rest subnets, nine per VPC),
# apply against the moto emulator, then time `provision plan` with nothing to change and count the
# AWS API calls that plan made; then apply the same configuration with its state in S3 (the S3
# backend, locked in DynamoDB) and count the state writes. Writes the tables to docs/benchmarks.md.
#
# Usage: scripts/bench.sh [N...]        (default: 10 100 1000)
# Env:   BENCH_RUNS=5 (timed plans per N), BENCH_PROFILE=release
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo="$(pwd)"
sizes=("${@:-10 100 1000}")
read -r -a sizes <<<"${sizes[*]}"
runs="${BENCH_RUNS:-5}"
profile="${BENCH_PROFILE:-release}"

moto_server="$(scripts/install-moto.sh)"
echo "building provision ($profile)..."
if [[ "$profile" == release ]]; then
    cargo build --locked --quiet --release -p provision-cli
else
    cargo build --locked --quiet -p provision-cli
fi
provision="$repo/target/$profile/provision"

work="$(mktemp -d)"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$moto_server" -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
moto_pid=$!
trap 'kill $moto_pid 2>/dev/null || true; wait $moto_pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do
    python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/moto-api/', timeout=1)" 2>/dev/null && break
    sleep 0.2
done
export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
export AWS_REGION=eu-west-1 AWS_EC2_METADATA_DISABLED=true NO_COLOR=1

now() { python3 -c 'import time; print(time.monotonic())'; }
secs() { python3 -c "print(f'{$2 - $1:.2f}')"; }
median() { python3 -c "import statistics, sys; print(f'{statistics.median(map(float, sys.argv[1:])):.2f}')" "$@"; }

rows=()
s3rows=()
for n in "${sizes[@]}"; do
    vpcs=$(( (n + 9) / 10 ))
    subnets=$(( n - vpcs ))
    dir="$work/n$n"
    mkdir -p "$dir"
    cat >"$dir/main.tf" <<TF
resource "aws_vpc" "v" {
  count      = $vpcs
  cidr_block = "10.\${count.index}.0.0/16"
  tags       = { Name = "bench-\${count.index}" }
}

resource "aws_subnet" "s" {
  count      = $subnets
  vpc_id     = aws_vpc.v[floor(count.index / 9)].id
  cidr_block = cidrsubnet(aws_vpc.v[floor(count.index / 9)].cidr_block, 8, count.index % 9)
  tags       = { Name = "bench-\${count.index}" }
}
TF
    echo "N=$n: $vpcs VPCs, $subnets subnets"
    curl_reset="http://127.0.0.1:$port/moto-api/reset"
    python3 -c "import urllib.request; urllib.request.urlopen(urllib.request.Request('$curl_reset', method='POST'))"
    t0=$(now)
    "$provision" -C "$dir" -v apply --auto-approve --parallelism 10 >"$dir/apply.out" 2>"$dir/apply.err"
    t1=$(now)
    apply_s=$(secs "$t0" "$t1")
    apply_calls=$(grep 'AWS API calls' "$dir/apply.err" | tail -n 1 | grep -o 'total=[0-9]*' | cut -d= -f2)
    writes=$(python3 -c "import json; print(json.load(open('$dir/provision.tfstate'))['serial'])")
    times=()
    for _ in $(seq 1 "$runs"); do
        t0=$(now)
        "$provision" -C "$dir" plan --detailed-exitcode >/dev/null
        t1=$(now)
        times+=("$(secs "$t0" "$t1")")
    done
    plan_s=$(median "${times[@]}")
    times=()
    for _ in $(seq 1 "$runs"); do
        t0=$(now)
        "$provision" -C "$dir" plan --refresh=false --detailed-exitcode >/dev/null
        t1=$(now)
        times+=("$(secs "$t0" "$t1")")
    done
    local_s=$(median "${times[@]}")
    "$provision" -C "$dir" -v plan --detailed-exitcode >"$dir/plan.out" 2>"$dir/plan.err"
    calls_line=$(grep 'AWS API calls' "$dir/plan.err" | tail -n 1)
    plan_calls=$(grep -o 'total=[0-9]*' <<<"$calls_line" | cut -d= -f2)
    by_op=$(sed -e 's/.*calls=//' <<<"$calls_line")
    echo "   apply ${apply_s}s ($apply_calls calls, $writes state writes), plan ${plan_s}s (${local_s}s without refresh), $plan_calls calls: $by_op"
    rows+=("| $n | $vpcs | $subnets | $apply_s | $apply_calls | $writes | $plan_s | $local_s | $plan_calls | $by_op |")

    # The same apply with the state in S3, locked in DynamoDB and with the S3 lock object.
    s3dir="$dir-s3"
    mkdir -p "$s3dir"
    cat "$dir/main.tf" - >"$s3dir/main.tf" <<TF

terraform {
  backend "s3" {
    bucket         = "bench-state"
    key            = "n$n/terraform.tfstate"
    region         = "eu-west-1"
    dynamodb_table = "bench-locks"
    use_lockfile   = true
  }
}
TF
    "$provision" -C "$s3dir" state bootstrap >/dev/null
    t0=$(now)
    "$provision" -C "$s3dir" apply --auto-approve --parallelism 10 >"$s3dir/apply.out" 2>"$s3dir/apply.err"
    t1=$(now)
    s3_apply_s=$(secs "$t0" "$t1")
    s3_writes=$("$provision" -C "$s3dir" state pull | python3 -c "import json, sys; print(json.load(sys.stdin)['serial'])")
    echo "   with the state in S3: apply ${s3_apply_s}s, $s3_writes state writes (PutObject) for $n resources"
    s3rows+=("| $n | $s3_apply_s | $s3_writes | $(python3 -c "print(f'{$s3_writes / $n:.2f}')") |")
done

cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
# The sections measured by hand (## Build times) are kept as they are.
kept="$(sed -n '/^## Build times$/,$p' docs/benchmarks.md 2>/dev/null || true)"
{
    cat <<MD
# Benchmarks

Generated by \`scripts/bench.sh\` on $(date -u +%Y-%m-%d) ($profile build, $(nproc) cores, $cpu),
against moto $(.venv/bin/python -c 'import moto; print(moto.__version__)') on loopback. Each
configuration has N resources: N/10 VPCs and the rest subnets, nine per VPC. After an apply, \`plan\`
runs with nothing to change; its time is the median of $runs runs, its AWS calls are counted by
provision itself (\`-v\` prints them per operation, retries included). "Without refresh" is
\`plan --refresh=false\`: provision's own work (reading the configuration and the state,
evaluating, diffing), with no AWS call.

| N | VPCs | subnets | apply (s) | apply AWS calls | apply state writes | plan, no changes (s) | plan without refresh (s) | plan AWS calls | plan calls by operation |
|---|---|---|---|---|---|---|---|---|---|
MD
    printf '%s\n' "${rows[@]}"
    cat <<'MD'

### With the state in S3

The same applies with `backend "s3"` (locked with a DynamoDB item and the S3 lock object). Every
state write is one conditional `PutObject`: the first and the last of the apply upload the whole
state, each one between a journal segment of what changed (see [bytes uploaded to the state in
S3](#bytes-uploaded-to-the-state-in-s3-the-journal)); writes that fall due together share one, so
an apply makes far fewer writes than resources. The serial of the state after the apply is the
number of writes.

| N | apply (s) | state writes | writes per resource |
|---|---|---|---|
MD
    printf '%s\n' "${s3rows[@]}"
    cat <<'MD'

**Reading the table.** The calls a plan makes grow with the number of resource *types* (here two:
one `DescribeVpcs`, one `DescribeSubnets`), not with the number of resources: provision lists the
stack's objects of each type by their `provision:stack` tag in one paginated call (up to 1,000 per
page on AWS; moto does not paginate). Terraform refreshes each resource with its own call, ten at a
time (hashicorp/terraform#16375), so the same plans would take 10, 100 and 1,000 calls.

The difference between the two plan columns is the time moto takes to answer two `Describe` calls
listing up to 900 objects (it is written in Python); provision's own part is the second column.

Apply calls are one `CreateVpc`/`CreateSubnet` per object plus the reads that wait for a new VPC to
be available and read back what AWS assigned (six calls per VPC, two per subnet). The state is
written after every operation, but writes that fall due together — the pending records of a batch
of creates, and completions within 20 ms of each other — share one write, hence far fewer writes
than two per object. The first write of an apply writes the whole file; each later one appends
only what changed to the journal beside it, folded into the file at the end (see [bytes written
to the local state](#bytes-written-to-the-local-state-the-journal), measured by
`scripts/bench-state-writes.sh`).

moto answers at once and never throttles, so these times measure provision and the emulator, not
AWS; on AWS, plan time is dominated by the round trips saved above.
MD
    if [[ -n "$kept" ]]; then
        printf '\n%s\n' "$kept"
    fi
} >docs/benchmarks.md
echo "wrote docs/benchmarks.md"
