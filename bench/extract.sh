#!/usr/bin/env bash
# Main-text extraction against hand-written gold (issue #14): ghirbal and Python trafilatura (1.11.0, the
# version datatrove 0.10.1 pins, installed by bench/venv.sh; run with datatrove's Trafilatura settings) on
# the two real Arabic news pages of ../shared/data/diverse/web, scored word by word against
# crates/ghirbal/tests/data/web/*.gold.txt: precision, recall, F1 and milliseconds per page.
# usage: bench/extract.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
web="$root/../shared/data/diverse/web"
[[ -d "$web" ]] || { echo "extract.sh: no $web (clone the project beside ../shared)" >&2; exit 2; }
py="$("$here/venv.sh" datatrove)"
cargo build --release --quiet --manifest-path "$root/Cargo.toml" -p ghirbal-cli
exec "$py" "$here/extract.py" "$root/target/release/ghirbal" "$web" "$root/crates/ghirbal/tests/data/web"
