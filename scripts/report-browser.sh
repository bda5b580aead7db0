#!/usr/bin/env bash
# The report's browser test (issue #16): renders OUT/report.html in headless Chromium for three runs — the
# bundled example, the two seed articles, a 3,000-article SaudiNewsNet slice — at a phone width (390 px) and
# a wide screen (1280 px), saves each as a PNG, and fails on a blank or broken page (scripts/report_check.py
# says what it checks). Chromium comes from the system packages and is installed if missing (as root, with
# apt-get); only when that is impossible is the test skipped, with the reason printed.
#
# usage: scripts/report-browser.sh [--docs]     (--docs also copies the PNGs shown in the README to docs/)
# GHIRBAL_BIN=path/to/ghirbal uses that binary (default: a debug build of this checkout).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
shared="$root/../shared"
work="$root/target/report-browser"

find_chromium() { command -v chromium || command -v chromium-browser || command -v google-chrome || true; }
chromium="$(find_chromium)"
if [[ -z "$chromium" ]]; then
    if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
        echo "report-browser: installing Chromium (apt-get install chromium)" >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1 ||
            { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1; } || true
        chromium="$(find_chromium)"
    fi
    if [[ -z "$chromium" ]]; then
        echo "report-browser: SKIPPED: Chromium is not installed and could not be (needs root and apt-get)" >&2
        exit 0
    fi
fi
for need in "$shared/seeds" "$shared/data/saudinewsnet/saudinewsnet.jsonl.gz"; do
    [[ -e "$need" ]] || { echo "report-browser: missing $need (the shared data beside the repository)" >&2; exit 1; }
done
bin="${GHIRBAL_BIN:-}"
if [[ -z "$bin" ]]; then
    cargo build --quiet --manifest-path "$root/Cargo.toml" -p ghirbal-cli
    bin="$root/target/debug/ghirbal"
fi
rm -rf "$work" && mkdir -p "$work"
python3 - "$shared/data/saudinewsnet/saudinewsnet.jsonl.gz" "$work/snn3000.jsonl" <<'PY'
import gzip, itertools, sys
with gzip.open(sys.argv[1], "rt", encoding="utf-8") as f, open(sys.argv[2], "w", encoding="utf-8") as out:
    out.writelines(itertools.islice(f, 3000))
PY
"$bin" run -q -o "$work/example"
"$bin" run -q "$shared/seeds" -o "$work/seeds"
"$bin" run -q "$work/snn3000.jsonl" -o "$work/snn"
# `ghirbal report` must draw the same page again from the run's files.
cp "$work/snn/report.html" "$work/snn-first.html"
"$bin" report "$work/snn" 2>/dev/null
cmp -s "$work/snn/report.html" "$work/snn-first.html" || { echo "report-browser: 'ghirbal report' drew another page" >&2; exit 1; }

# Headless Chromium draws no window narrower than 500 px, so every page is drawn in a frame of the width under
# test (`srcdoc`: the host can look inside) and the screenshot is cut to that width. The host's script measures
# what a reader would see and leaves its verdict in the host's DOM, which --dump-dom prints.
checker='<script>
var f = document.getElementById("f");
f.addEventListener("load", function () {
  var w = f.contentWindow, d = f.contentDocument, errors = [];
  var need = ["run","funnel","removals","repairs","sources","lengths","language","duplicates","examples"];
  var missing = need.filter(function (id) { return !d.getElementById(id); });
  var empty = need.filter(function (id) { var e = d.getElementById(id); return e && e.getBoundingClientRect().height < 20; });
  var svgs = Array.prototype.slice.call(d.querySelectorAll(".chart svg"));
  var zero = svgs.filter(function (s) { var r = s.getBoundingClientRect(); return r.width < 50 || r.height < 50; }).length;
  // Text whose first letter is Arabic must be set right-to-left.
  var arabic = Array.prototype.slice.call(d.querySelectorAll("[lang=ar], bdi")).filter(function (e) {
    var first = e.textContent.match(/[A-Za-z\u0600-\u06FF]/); return first && /[\u0600-\u06FF]/.test(first[0]); });
  var notRtl = arabic.filter(function (e) { return w.getComputedStyle(e).direction !== "rtl"; }).length;
  var doc = d.documentElement;
  var out = document.createElement("pre");
  out.id = "report-check";
  out.textContent = JSON.stringify({missing: missing, empty_sections: empty, charts: svgs.length, zero: zero,
    overflow: doc.scrollWidth > w.innerWidth + 1, scrollWidth: doc.scrollWidth, width: w.innerWidth,
    height: doc.scrollHeight, not_rtl: notRtl, errors: errors, examples: d.querySelectorAll(".example").length});
  document.body.appendChild(out);
});
</script>'
host() {  # host PAGE WIDTH HEIGHT OUT
    CHECKER="$checker" python3 - "$@" <<'PY'
import html, os, sys
page, width, height, out = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
body = html.escape(open(page, encoding="utf-8").read(), quote=True)
with open(out, "w", encoding="utf-8") as f:
    f.write('<!doctype html><html><head><meta charset="utf-8"></head><body style="margin:0;background:#fff">'
            f'<iframe id="f" style="border:0;display:block;width:{width}px;height:{height}px" srcdoc="{body}"></iframe>'
            + os.environ["CHECKER"] + "</body></html>")
PY
}
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking
       --disable-component-update --disable-sync --hide-scrollbars --enable-logging=stderr --v=0)
failed=0
for run in example seeds snn; do
    page="$work/$run/report.html"
    for width in 390 1280; do
        window=$(( width < 500 ? 500 : width ))
        profile="$(mktemp -d)"
        dom="$work/$run-$width.dom.html"
        log="$work/$run-$width.log"
        host "$page" "$width" 900 "$work/$run-$width.host.html"
        "$chromium" "${flags[@]}" --user-data-dir="$profile" --window-size="$window,900" \
            --virtual-time-budget=5000 --dump-dom "file://$work/$run-$width.host.html" > "$dom" 2> "$log" || true
        height="$(python3 -c 'import html,json,re,sys; m=re.search(r"<pre id=\"report-check\">(.*?)</pre>", open(sys.argv[1]).read(), re.S); print(min(json.loads(html.unescape(m.group(1)))["height"], 16000) if m else 900)' "$dom")"
        host "$page" "$width" "$height" "$work/$run-$width.host.html"
        "$chromium" "${flags[@]}" --user-data-dir="$profile" --window-size="$window,$height" \
            --virtual-time-budget=5000 --screenshot="$work/$run-$width.full.png" "file://$work/$run-$width.host.html" >> "$log" 2>&1 || true
        rm -rf "$profile"
        if [[ -f "$work/$run-$width.full.png" ]]; then
            python3 "$root/scripts/report_check.py" --crop "$work/$run-$width.full.png" "$work/$run-$width.png" "$width"
        fi
        python3 "$root/scripts/report_check.py" "$dom" "$work/$run-$width.png" "$log" "$width" || failed=1
    done
done
if [[ "${1:-}" == "--docs" ]]; then
    mkdir -p "$root/docs/report"
    for png in seeds-1280 seeds-390 snn-1280 snn-390; do
        cp "$work/$png.png" "$root/docs/report/$png.png"
    done
    echo "report-browser: screenshots copied to docs/report/"
fi
exit "$failed"
