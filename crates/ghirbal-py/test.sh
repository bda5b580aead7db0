#!/usr/bin/env bash
# Builds the abi3 wheel with maturin, installs it into crates/ghirbal-py/.venv (made here, ignored by git)
# and runs the Python tests against it and the CLI. Called by .ci/run.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$here/.venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
# maturin builds the wheel; Ray is what the driver (ghirbal.ray) schedules on, at the version it is tested with.
"$venv/bin/pip" install -q --disable-pip-version-check maturin==1.16.0 ray==2.60.0
wheels="$root/target/wheels"
rm -rf "$wheels"
# The dev profile (optimised dependencies, see Cargo.toml): it shares the build `cargo test` made, where a
# release build would compile everything again with LTO.
(cd "$here" && "$venv/bin/maturin" build --profile dev --quiet --interpreter "$venv/bin/python" --out "$wheels")
"$venv/bin/pip" install -q --disable-pip-version-check --force-reinstall --no-deps "$wheels"/ghirbal-*.whl
cargo build --quiet -p ghirbal-cli --manifest-path "$root/Cargo.toml"
export RAY_AUTH_MODE=disabled RAY_USAGE_STATS_ENABLED=0
GHIRBAL_BIN="$root/target/debug/ghirbal" "$venv/bin/python" -m unittest discover -s "$here/tests" -v
