#!/usr/bin/env bash
# Checks that Mermaid and Graphviz accept what `provision graph` writes: every graph snapshot of
# the test suite (tests/snapshots/cli__graph*.snap) is parsed by Mermaid itself (installed from
# the npm registry into a temporary directory, under Node with jsdom), rendered by Mermaid in
# headless Chromium when `chromium` is installed (what GitHub does in the browser), and the DOT
# snapshots are laid out by Graphviz's `dot` when it is installed. Not part of the test suite: it
# needs the network once, for npm. Set MERMAID_CHECK_DIR to reuse an installation.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
work=${MERMAID_CHECK_DIR:-$(mktemp -d)}
mkdir -p "$work"
cd "$work"

if [ ! -d node_modules/mermaid ] || [ ! -d node_modules/jsdom ]; then
    echo "installing mermaid and jsdom from npm into $work"
    [ -f package.json ] || npm init -y >/dev/null
    npm install --no-audit --no-fund --silent mermaid jsdom >/dev/null
fi
echo "mermaid $(node -p "require('./node_modules/mermaid/package.json').version")"

# The snapshot's text without insta's header (the lines up to the second `---`).
body() { awk 'n >= 2 { print } /^---$/ { n++ }' "$1"; }

mkdir -p diagrams
rm -f diagrams/*
shopt -s nullglob
mermaid_snaps=("$root"/tests/snapshots/cli__graph*mermaid.snap)
dot_snaps=("$root"/tests/snapshots/cli__graph*dot.snap)
if [ ${#mermaid_snaps[@]} -eq 0 ]; then
    echo "no Mermaid snapshots under tests/snapshots" >&2
    exit 1
fi
for f in "${mermaid_snaps[@]}"; do
    body "$f" > "diagrams/$(basename "$f" .snap).mmd"
done

cat > parse.mjs <<'JS'
import { JSDOM } from 'jsdom';
import { readFileSync } from 'node:fs';
const dom = new JSDOM('<!doctype html><html><body></body></html>', { pretendToBeVisual: true });
globalThis.window = dom.window;
globalThis.document = dom.window.document;
for (const k of ['DOMParser', 'Element', 'HTMLElement', 'Node']) {
  if (!(k in globalThis)) globalThis[k] = dom.window[k];
}
const { default: mermaid } = await import('mermaid');
mermaid.initialize({ startOnLoad: false });
let failed = 0;
for (const file of process.argv.slice(2)) {
  try {
    const r = await mermaid.parse(readFileSync(file, 'utf8'));
    console.log(`parse ok    ${file.split('/').pop()} (${r.diagramType})`);
  } catch (e) {
    failed++;
    console.log(`parse FAIL  ${file.split('/').pop()}: ${String(e.message || e).split('\n').slice(0, 4).join(' | ')}`);
  }
}
// A broken diagram must be refused, or this check proves nothing.
try {
  await mermaid.parse('flowchart TB\n  a["x"] -->\n  subgraph');
  console.log('parse FAIL  a broken diagram was accepted');
  failed++;
} catch {
  console.log('parse ok    a broken diagram is refused');
}
process.exit(failed ? 1 : 0);
JS
status=0
node parse.mjs diagrams/*.mmd || status=1

browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -n "$browser" ]; then
    # One page renders every diagram with mermaid.render, as a Markdown viewer would, and writes
    # one line per diagram into the page, which Chromium prints.
    node -e '
      const fs = require("fs");
      const files = process.argv.slice(1);
      const diagrams = files.map(f => ({ name: f.split("/").pop(), text: fs.readFileSync(f, "utf8") }));
      const page = `<!doctype html><html><body><pre id="out">running</pre>
<script src="node_modules/mermaid/dist/mermaid.min.js"></script>
<script>
mermaid.initialize({ startOnLoad: false });
(async () => {
  const lines = [];
  const diagrams = ${JSON.stringify(diagrams)};
  for (let i = 0; i < diagrams.length; i++) {
    const d = diagrams[i];
    try {
      const { svg } = await mermaid.render("d" + i, d.text);
      const nodes = (svg.match(/class="node /g) || []).length;
      const clusters = (svg.match(/class="cluster[ "]/g) || []).length;
      lines.push("render ok   " + d.name + " (" + nodes + " nodes, " + clusters + " subgraphs drawn)");
    } catch (e) {
      lines.push("render FAIL " + d.name + ": " + String(e.message || e).split("\\n")[0]);
    }
  }
  document.getElementById("out").textContent = "RESULTS\\n" + lines.join("\\n") + "\\nEND";
})();
</script></body></html>`;
      fs.writeFileSync("render.html", page);
    ' diagrams/*.mmd
    out=$("$browser" --headless --no-sandbox --disable-gpu --allow-file-access-from-files \
        --virtual-time-budget=60000 --dump-dom "file://$work/render.html" 2>/dev/null || true)
    results=$(printf '%s\n' "$out" | sed -n '/<pre id="out">RESULTS/,/^END<\/pre>/p' | sed '1d;$d' |
        sed 's/&amp;/\&/g; s/&lt;/</g; s/&gt;/>/g')
    if [ -z "$results" ]; then
        echo "render FAIL Chromium gave no result"
        status=1
    else
        printf '%s\n' "$results"
        if printf '%s\n' "$results" | grep -q 'render FAIL'; then status=1; fi
    fi
else
    echo "render skipped: no chromium (apt-get install chromium)"
fi

if command -v dot >/dev/null; then
    echo "$(dot -V 2>&1)"
    for f in "${dot_snaps[@]}"; do
        if body "$f" | dot -Tsvg >/dev/null 2>dot.err && ! grep -q . dot.err; then
            echo "dot ok      $(basename "$f")"
        else
            echo "dot FAIL    $(basename "$f"): $(head -3 dot.err)"
            status=1
        fi
    done
else
    echo "dot skipped: no graphviz (apt-get install graphviz)"
fi

if [ "$status" -eq 0 ]; then echo "all diagrams accepted"; else echo "some diagrams were refused"; fi
exit "$status"
