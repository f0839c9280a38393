/** @file SIGINT/SIGTERM from the program's first moment: a command may take them over, otherwise they exit 130 */

/** What a command that stops cleanly on a signal (train: checkpoint, then exit 130) registers. */
export type InterruptListener = (signal: NodeJS.Signals) => void;

const SIGNALS = ["SIGINT", "SIGTERM"] as const;
const EXIT_INTERRUPTED = 130;
let listener: InterruptListener | null = null;
let received: NodeJS.Signals | null = null;

function handle(signal: NodeJS.Signals): void {
  received ??= signal;
  if (listener !== null) {
    listener(signal);
    return;
  }
  // nothing to save yet: leave now, with the documented code rather than death by signal
  process.stderr.write(`hessian-lab: interrupted (${signal})\n`);
  process.exit(EXIT_INTERRUPTED);
}

/**
 * Installs the handlers. The entry point calls this before it loads the rest of the program, so a
 * signal during start-up (module loading takes ~0.5 s from source) exits 130, not by signal.
 */
export function installSignalHandlers(): void {
  for (const s of SIGNALS) process.on(s, handle);
}

/**
 * Hands signals to `on` until the returned function is called; a signal that arrived before is
 * passed on at once.
 */
export function onInterrupt(on: InterruptListener): () => void {
  listener = on;
  if (received !== null) on(received);
  return () => {
    if (listener === on) listener = null;
  };
}

/**
 * Gives SIGINT/SIGTERM back their default action (terminate at once). For commands that compute
 * synchronously and keep no state worth saving: a JavaScript handler could only run once the
 * computation had finished, so Ctrl-C would wait for it.
 */
export function restoreDefaultSignals(): void {
  for (const s of SIGNALS) process.off(s, handle);
}
