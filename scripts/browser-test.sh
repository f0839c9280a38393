#!/usr/bin/env bash
# The browser test: installs Debian's chromium (an optional extra, not needed by `npm test`, which
# skips these tests without it), then runs the browser tests against dist/ (built by npm ci): the
# WebAssembly GEMM (test/browser.test.ts) and the public API compared with Node (test/browserLibrary.test.ts).
set -euo pipefail
if [ ! -x /usr/bin/chromium ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
cd "$(dirname "$0")/.."
[ -f dist/index.js ] || npm run build
node scripts/test.mjs test/browser.test.ts test/browserLibrary.test.ts
