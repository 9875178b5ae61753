#!/usr/bin/env bash
# Install a pinned moto[server] into $REPO/.venv (idempotent).
# Usage: scripts/install-moto.sh
# Progress goes to stderr; the path of the moto_server executable is the only thing on stdout.
set -euo pipefail

MOTO_VERSION="5.2.5"

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$SCRIPT_DIR/.." && pwd)"
VENV="$REPO/.venv"
PY="$VENV/bin/python"
MOTO_SERVER="$VENV/bin/moto_server"

if ! command -v python3 >/dev/null 2>&1; then
    echo "error: python3 not found in PATH; install Python 3 (with the venv module) and retry" >&2
    exit 1
fi

installed=""
if [[ -x "$PY" && -x "$MOTO_SERVER" ]]; then
    installed="$("$PY" -c 'import moto; print(moto.__version__)' 2>/dev/null || true)"
fi

if [[ "$installed" == "$MOTO_VERSION" ]]; then
    echo "moto[server]==$MOTO_VERSION already installed in $VENV" >&2
else
    if [[ ! -x "$PY" ]]; then
        echo "creating virtualenv $VENV" >&2
        if ! python3 -m venv "$VENV"; then
            echo "error: 'python3 -m venv' failed; install the Python venv module (e.g. apt-get install python3-venv)" >&2
            exit 1
        fi
    fi
    echo "installing moto[server]==$MOTO_VERSION into $VENV${installed:+ (found $installed)}" >&2
    "$PY" -m pip install --quiet --upgrade pip >&2
    "$PY" -m pip install --quiet "moto[server]==$MOTO_VERSION" >&2
    got="$("$PY" -c 'import moto; print(moto.__version__)')"
    if [[ "$got" != "$MOTO_VERSION" || ! -x "$MOTO_SERVER" ]]; then
        echo "error: moto install check failed (version '$got', $MOTO_SERVER)" >&2
        exit 1
    fi
fi

echo "$MOTO_SERVER"
