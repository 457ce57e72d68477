#!/usr/bin/env bash
# Regenerates the README's picture of the web playground (docs/images/playground.png) and the README section that
# shows it (between the playground-screenshot markers): runs PlaygroundBrowserTest, which serves the demo experts on
# a real engine, chats with the ensemble in headless Chromium and screenshots the chorus view, and keeps that
# screenshot. Needs what the test needs: the real models and Debian's chromium + chromium-driver (install-deps.sh
# installs them as root).
# Usage: scripts/playground-screenshot.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
bash scripts/install-deps.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

./mvnw -q -pl server -am verify -Dchorus.aot.skip=true -Dsurefire.failIfNoSpecifiedTests=false \
  -Dtest=PlaygroundBrowserTest -Dchorus.playground.screenshots="$work" >"$work/build.log" 2>&1 \
  || { tail -40 "$work/build.log" >&2; exit 1; }
grep -q 'Tests run: 4, Failures: 0, Errors: 0, Skipped: 0' \
  server/target/surefire-reports/dev.chorus.server.http.PlaygroundBrowserTest.txt \
  || { echo "playground-screenshot: the browser test did not run all its tests (no Chromium?)" >&2; exit 1; }
[[ -s $work/chat.png ]] || { echo "playground-screenshot: the test left no chat.png" >&2; exit 1; }

cp "$work/chat.png" docs/images/playground.png.partial
mv docs/images/playground.png.partial docs/images/playground.png

section="$work/section.md"
cat > "$section" <<MD
<!-- playground-screenshot: begin (scripts/playground-screenshot.sh writes this section) -->
![The playground's chorus view: the demo ensemble's answer, each token coloured by the expert that gave it the higher probability, the fused and per-member top 3 of the hovered token, one row per token](docs/images/playground.png)

*\`chorus serve\` on the demo models, the \`experts\` ensemble (linear pool of the King-James and the Python-docs
expert), "And God said", temperature 0.9, seed 11, \`"chorus": {"trace": 3}\`; captured in headless $(chromium --version 2>/dev/null | awk '{print $1, $2}') on $(date -u +%Y-%m-%d).*
<!-- playground-screenshot: end -->
MD
awk -v section="$section" '
  /<!-- playground-screenshot: begin/ { while ((getline line < section) > 0) print line; skipping = 1; next }
  /<!-- playground-screenshot: end/ { skipping = 0; next }
  !skipping { print }
' README.md > "$work/README.md"
grep -q 'playground-screenshot: begin' "$work/README.md" \
  || { echo "playground-screenshot: README.md has no playground-screenshot markers" >&2; exit 1; }
cp "$work/README.md" README.md.partial && mv README.md.partial README.md
echo "playground-screenshot: docs/images/playground.png and its README section updated"
