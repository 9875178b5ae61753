#!/usr/bin/env bash
# Bytes uploaded to the state in S3 (the state object and its journal segments under
# `<key>.journal/`; not the lock object) by one apply of N = 1,000 resources (100 VPCs, 900
# subnets, as scripts/bench.sh) against the moto emulator. The bucket is versioned (`provision state
# bootstrap`), so every PutObject leaves a version: the versions are listed after the apply and their
# sizes summed. Give the provision binaries to compare (e.g. a build of main and one of a branch);
# prints one line per binary.
#
# Usage: scripts/bench-s3-state-writes.sh BINARY...     (needs moto: scripts/install-moto.sh)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[[ $# -gt 0 ]] || { echo "usage: $0 BINARY..." >&2; exit 2; }
moto_server="${PROVISION_MOTO_SERVER:-$(scripts/install-moto.sh)}"
python="$(dirname "$moto_server")/python"
[[ -x "$python" ]] || python=python3
source "$(dirname "${BASH_SOURCE[0]}")/lib/moto.sh"

i=0
for bin in "$@"; do
    i=$((i + 1))
    dir="$work/run$i"
    mkdir -p "$dir"
    cat >"$dir/main.tf" <<TF
resource "aws_vpc" "v" {
  count      = 100
  cidr_block = "10.\${count.index}.0.0/16"
  tags       = { Name = "bench-\${count.index}" }
}

resource "aws_subnet" "s" {
  count      = 900
  vpc_id     = aws_vpc.v[floor(count.index / 9)].id
  cidr_block = cidrsubnet(aws_vpc.v[floor(count.index / 9)].cidr_block, 8, count.index % 9)
  tags       = { Name = "bench-\${count.index}" }
}

terraform {
  backend "s3" {
    bucket       = "bench-state"
    key          = "run$i/provision.tfstate"
    region       = "eu-west-1"
    use_lockfile = true
  }
}
TF
    python3 -c "import urllib.request; urllib.request.urlopen(urllib.request.Request('http://127.0.0.1:$port/moto-api/reset', method='POST'))"
    "$bin" -C "$dir" state bootstrap >/dev/null
    start=$(date +%s.%N)
    "$bin" -C "$dir" apply -auto-approve >"$dir/apply.log" 2>&1 ||
        { echo "$bin: apply failed, see below" >&2; tail -20 "$dir/apply.log" >&2; exit 1; }
    end=$(date +%s.%N)
    "$python" - "$bin" "$port" "run$i/provision.tfstate" "$start" "$end" <<'PY'
import sys, boto3
binary, port, key, start, end = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5])
s3 = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{port}", region_name="eu-west-1")
versions, token = [], {}
while True:
    out = s3.list_object_versions(Bucket="bench-state", Prefix=key, **token)
    versions += out.get("Versions", [])
    if not out.get("IsTruncated"):
        break
    token = {"KeyMarker": out["NextKeyMarker"], "VersionIdMarker": out["NextVersionIdMarker"]}
state = [v for v in versions if v["Key"] == key]
journal = [v for v in versions if v["Key"].startswith(key + ".journal/")]
final = next(v["Size"] for v in state if v["IsLatest"])
total = sum(v["Size"] for v in state + journal)
left = s3.list_objects_v2(Bucket="bench-state", Prefix=key + ".journal/").get("KeyCount", 0)
print(f"{binary}: apply {end - start:.1f} s; {len(state) + len(journal)} PutObject ({len(state)} of the state, {len(journal)} journal segments), "
      f"{total} bytes uploaded ({sum(v['Size'] for v in state)} state, {sum(v['Size'] for v in journal)} journal); "
      f"final state {final} bytes; {total / final:.2f}x the final state; journal objects left: {left}")
PY
done
