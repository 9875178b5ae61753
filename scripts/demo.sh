#!/usr/bin/env bash
# The main job, end to end on this machine: builds provision, starts the moto AWS emulator on a
# free loopback port, applies an example (default: examples/network), shows that a second plan has
# nothing to change, tears down the runtime layer and brings it back (the nightly teardown), destroys
# everything, and stops the emulator.
#
# Usage: scripts/demo.sh [examples/NAME]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo="$(pwd)"
example="${1:-examples/network}"
[[ -d "$example" ]] || { echo "error: no example directory $example" >&2; exit 1; }

moto_server="$(scripts/install-moto.sh)"
# Exactly the build scripts/test.sh makes (the workspace and its tests, the same features): the
# tests that follow a demo compile nothing again. The first build compiles the AWS SDK and takes
# a while (see README, "What the first build costs"); cargo shows its progress.
echo "building provision (the first build compiles the AWS SDK: see README.md, \"What the first build costs\")..."
cargo test --workspace --locked --no-run
provision="$repo/target/debug/provision"

work="$(mktemp -d)"
cp "$example"/*.tf "$work"/
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$moto_server" -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
moto_pid=$!
cleanup() {
    kill "$moto_pid" 2>/dev/null || true
    wait "$moto_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 1 100); do
    if python3 -c "import urllib.request, sys; urllib.request.urlopen('http://127.0.0.1:$port/moto-api/', timeout=1)" 2>/dev/null; then
        break
    fi
    sleep 0.2
done

export AWS_ENDPOINT_URL="http://127.0.0.1:$port" AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing
export AWS_REGION=eu-west-1 AWS_EC2_METADATA_DISABLED=true
echo "emulator: moto on $AWS_ENDPOINT_URL; configuration: $example (copied to $work)"

step() { printf '\n\033[1m==> provision %s\033[0m\n' "$*"; }

step apply --auto-approve
"$provision" -C "$work" apply --auto-approve

step plan --detailed-exitcode
set +e
"$provision" -C "$work" plan --detailed-exitcode
status=$?
set -e
if [[ $status -ne 0 ]]; then
    echo "error: the plan after apply should have no changes (exit $status)" >&2
    exit 1
fi

step output
"$provision" -C "$work" output

step destroy --layer runtime --auto-approve "   (the nightly teardown)"
"$provision" -C "$work" destroy --layer runtime --auto-approve

step apply --auto-approve "   (the morning after: the runtime layer comes back, base keeps its ids)"
"$provision" -C "$work" apply --auto-approve

step destroy --auto-approve
"$provision" -C "$work" destroy --auto-approve

echo
echo "demo finished: applied, verified (no changes), runtime layer torn down and brought back, destroyed."
