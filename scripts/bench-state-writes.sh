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
source "$(dirname "${BASH_SOURCE[0]}")/lib/moto.sh"

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
