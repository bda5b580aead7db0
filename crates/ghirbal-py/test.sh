#!/usr/bin/env bash
# Builds the abi3 wheel with maturin, installs it into crates/ghirbal-py/.venv (made here, ignored by git)
# and runs the Python tests against it and the CLI. Called by .ci/run.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$here/.venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check maturin==1.16.0
wheels="$root/target/wheels"
rm -rf "$wheels"
(cd "$here" && "$venv/bin/maturin" build --release --quiet --interpreter "$venv/bin/python" --out "$wheels")
"$venv/bin/pip" install -q --disable-pip-version-check --force-reinstall --no-deps "$wheels"/ghirbal-*.whl
cargo build --release --quiet -p ghirbal-cli --manifest-path "$root/Cargo.toml"
GHIRBAL_BIN="$root/target/release/ghirbal" "$venv/bin/python" -m unittest discover -s "$here/tests" -v
