// Preloaded into the binary by signals.test.ts: reports on fd 3 the moment a SIGINT or SIGTERM
// listener is added, so the test can signal at the earliest moment the program could handle it.
import { writeSync } from "node:fs";

process.on("newListener", (event) => {
  if (event === "SIGINT" || event === "SIGTERM") writeSync(3, `${event}\n`);
});
