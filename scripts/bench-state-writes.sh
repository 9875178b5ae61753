#!/usr/bin/env bash
# Bytes written to the local state (provision.tfstate, its journal, its lock) by one apply of
# N = 1,000 resources (100 VPCs, 900 subnets, as scripts/bench.sh) against the moto emulator,
# counted with strace from the write calls on those files. Give the provision binaries to compare
# (e.g. a build of main and one of a branch); prints one line per binary.
#
# Usage: scripts/bench-state-writes.sh BINARY...     (needs strace, and moto: scripts/install-moto.sh)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
[[ $# -gt 0 ]] || { echo "usage: $0 BINARY..." >&2; exit 2; }
moto_server="${PROVISION_MOTO_SERVER:-$(scripts/install-moto.sh)}"
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

i=0
for bin in "$@"; do
    i=$((i + 1))
    dir="$work/run$i"
    mkdir -p "$dir"
    cat >"$dir/main.tf" <<'TF'
resource "aws_vpc" "v" {
  count      = 100
  cidr_block = "10.${count.index}.0.0/16"
  tags       = { Name = "bench-${count.index}" }
}

resource "aws_subnet" "s" {
  count      = 900
  vpc_id     = aws_vpc.v[floor(count.index / 9)].id
  cidr_block = cidrsubnet(aws_vpc.v[floor(count.index / 9)].cidr_block, 8, count.index % 9)
  tags       = { Name = "bench-${count.index}" }
}
TF
    (cd "$dir" && strace -f -y -s 0 -e trace=write,pwrite64,writev -o "$dir/trace" "$bin" apply -auto-approve >"$dir/apply.log" 2>&1) ||
        { echo "$bin: apply failed, see below" >&2; tail -20 "$dir/apply.log" >&2; exit 1; }
    python3 - "$bin" "$dir" <<'PY'
import os, re, sys
binary, d = sys.argv[1], sys.argv[2]
files, calls = {}, {}
for line in open(os.path.join(d, "trace")):
    m = re.search(r'(?:write|pwrite64|writev)\(\d+<([^>]*)>.*\)\s+=\s+(\d+)', line)
    if not m or "provision.tfstate" not in os.path.basename(m.group(1)):
        continue
    name = os.path.basename(m.group(1)).split(".tmp-")[0]
    files[name] = files.get(name, 0) + int(m.group(2))
    calls[name] = calls.get(name, 0) + 1
final = os.path.getsize(os.path.join(d, "provision.tfstate"))
total = sum(files.values())
print(f"{binary}: {total} bytes to the state files ({', '.join(f'{k}: {v} bytes in {calls[k]} writes' for k, v in sorted(files.items()))}); "
      f"final state {final} bytes; {total / final:.2f}x the final state; journal left: {os.path.exists(os.path.join(d, 'provision.tfstate.journal'))}")
PY
    rm -f "$dir/trace"
done
