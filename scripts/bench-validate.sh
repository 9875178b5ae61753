#!/usr/bin/env bash
# Benchmark: `provision validate` of configurations of N resource blocks (a tenth `aws_vpc`, the
# rest `aws_subnet`, nine per VPC, each referring to its VPC), with no AWS at all. Prints one
# markdown table row per N: the median wall time of BENCH_RUNS runs and the peak memory.
#
# Usage: scripts/bench-validate.sh [N...]      (default: 8000 50000)
# Env:   BENCH_RUNS=3, PROVISION=path/to/provision (default: builds and uses target/release/provision)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
sizes=("${@:-8000 50000}")
read -r -a sizes <<<"${sizes[*]}"
runs="${BENCH_RUNS:-3}"
if [[ -z "${PROVISION:-}" ]]; then
    cargo build --locked --quiet --release -p provision-cli
    PROVISION="$(pwd)/target/release/provision"
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "| N | VPC blocks | subnet blocks | validate (s) | peak memory (MB) |"
echo "|---|---|---|---|---|"
for n in "${sizes[@]}"; do
    dir="$work/n$n"
    mkdir -p "$dir"
    python3 - "$n" "$dir/main.tf" <<'PY'
import sys
n, path = int(sys.argv[1]), sys.argv[2]
vpcs = (n + 9) // 10
with open(path, "w") as f:
    for i in range(vpcs):
        f.write(f'resource "aws_vpc" "v{i}" {{\n  cidr_block = "10.{i // 256}.{i % 256}.0/24"\n}}\n\n')
    for k in range(n - vpcs):
        i, j = k // 9, k % 9
        f.write(f'resource "aws_subnet" "s{k}" {{\n  vpc_id     = aws_vpc.v{i}.id\n'
                f'  cidr_block = "10.{i // 256}.{i % 256}.{j * 16}/28"\n}}\n\n')
PY
    times=()
    peak=0
    for _ in $(seq 1 "$runs"); do
        out="$( { /usr/bin/time -f '%e %M' "$PROVISION" -C "$dir" validate >/dev/null; } 2>&1 | tail -n 1)"
        times+=("${out% *}")
        kb="${out#* }"
        (( kb > peak )) && peak=$kb
    done
    median="$(python3 -c "import statistics, sys; print(f'{statistics.median(map(float, sys.argv[1:])):.2f}')" "${times[@]}")"
    echo "| $n | $(( (n + 9) / 10 )) | $(( n - (n + 9) / 10 )) | $median | $(( peak / 1024 )) |"
done
