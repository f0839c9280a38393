/** @file the shape every CLI command has, its errors and exit codes, and flag parsers */
import type { Command } from "commander";

/** Documented exit codes. */
export const EXIT = {
  ok: 0,
  /** The computation failed (e.g. a solver diverged, an internal error). */
  failure: 1,
  /** Bad flags or arguments. */
  usage: 2,
  /** A bad input file: missing, malformed, or inconsistent with the model. */
  input: 3,
  /** Stopped by SIGINT/SIGTERM (after writing a checkpoint where the command keeps one). */
  interrupted: 130,
} as const;

/** An error meant for the user: one line, and the exit code to leave with. */
export class CliError extends Error {
  override readonly name = "CliError";
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** Where a command writes: stdout for results, stderr for progress and notices. */
export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Whether stderr is a terminal (live status lines) or not (plain lines). */
  readonly errIsTty: boolean;
}

/**
 * One command: `configure` declares its flags on a commander Command, `run` does the work and
 * returns data, and `format` turns that data into text; `--json` prints the same data as JSON.
 */
export interface CommandSpec<Options, Result> {
  readonly name: string;
  readonly summary: string;
  readonly examples: readonly string[];
  /**
   * Whether run stops cleanly on SIGINT/SIGTERM itself (see signals.ts onInterrupt); otherwise the
   * signals get their default action once run starts (they exit 130 only during start-up).
   */
  readonly handlesSignals?: boolean;
  configure(cmd: Command): void;
  run(options: Options, io: Io, given: GivenFlags): Promise<Result>;
  format(result: Result): string;
}

/** A CommandSpec with its option and result types erased, for the command table. */
export interface AnyCommand {
  readonly name: string;
  readonly summary: string;
  readonly examples: readonly string[];
  readonly handlesSignals?: boolean;
  configure(cmd: Command): void;
  run(options: never, io: Io, given: GivenFlags): Promise<unknown>;
  format(result: never): string;
}

/** The flag parsers, re-exported so commands keep one import for their shape and their flags. */
export { choice, decimal, integer, positive, real, seed } from "./flags.js";

/**
 * The option keys (camelCase) the user typed, as opposed to defaults: a command warns about or
 * refuses flags that do not apply only when they were given.
 */
export type GivenFlags = ReadonlySet<string>;

/** A flag that only matters under some other choice: its option key, how it is typed, and when it applies. */
export interface ConditionalFlag {
  readonly key: string;
  readonly flag: string;
  readonly applies: boolean;
  /** When it does apply, e.g. "with --curvature fisher". */
  readonly when: string;
}

/** Warns, one line each, about given flags that do not apply to this run (they are ignored, not an error). */
export function warnInapplicable(io: Io, command: string, given: GivenFlags, flags: readonly ConditionalFlag[]): void {
  for (const f of flags) if (given.has(f.key) && !f.applies) io.err(`${command}: ${f.flag} only applies ${f.when}; ignored\n`);
}
