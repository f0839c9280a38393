/** @file progress on stderr: one live status line on a terminal, plain throttled lines otherwise */
import type { Io } from "./command.js";

/** Reports progress; `done` ends the live line. */
export interface Progress {
  update(message: string): void;
  done(message?: string): void;
}

/**
 * A status reporter. On a TTY it rewrites one line (at most ~10 times a second); when stderr is a
 * file or pipe it prints a plain line at most every `plainIntervalMs` so logs stay readable.
 */
export function progress(io: Io, label: string, plainIntervalMs = 2000): Progress {
  // −∞: the first update always shows, so short runs say something too
  let last = -Infinity;
  let live = false;
  return {
    update(message) {
      const now = performance.now();
      if (io.errIsTty) {
        if (now - last < 100) return;
        io.err(`\r\x1b[2K${label}: ${message}`);
        live = true;
      } else {
        if (now - last < plainIntervalMs) return;
        io.err(`${label}: ${message}\n`);
      }
      last = now;
    },
    done(message) {
      if (live) io.err("\r\x1b[2K");
      if (message !== undefined) io.err(`${label}: ${message}\n`);
    },
  };
}
