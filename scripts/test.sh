#!/usr/bin/env bash
# Runs every test: unit tests, data-driven configuration tests, fake-provider engine tests
# (including crash recovery at every step), CLI tests and end-to-end tests against the moto
# emulator. Installs moto into .venv first if it is missing. Extra arguments go to cargo test.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

moto_server="$(scripts/install-moto.sh)"
export PROVISION_MOTO_SERVER="$moto_server"

cargo test --workspace --locked "$@"
