// The browser side of test/browserLibrary.test.ts: the public API from the built dist/index.js (and
// only what it imports), running the shared workload (test/browser/workload.ts, served transpiled).
import * as lib from "/dist/index.js";
import { runWorkload } from "/test/browser/workload.js";

runWorkload(lib).then(
  (r) => (window.__result = { ...r, crossOriginIsolated: self.crossOriginIsolated }),
  (e) => (window.__result = { error: String(e && e.stack ? e.stack : e) }),
);
