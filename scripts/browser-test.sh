#!/usr/bin/env bash
# The browser test: installs Debian's chromium (an optional extra, not needed by `npm test`, which
# skips the test without it), then runs test/browser.test.ts against dist/ (built by npm ci).
set -euo pipefail
if [ ! -x /usr/bin/chromium ]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
cd "$(dirname "$0")/.."
[ -f dist/kernels/backends/wasm.js ] || npm run build
node scripts/test.mjs test/browser.test.ts
