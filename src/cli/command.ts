/** @file the shape every CLI command has, its errors and exit codes, and flag parsers */
import { InvalidArgumentError, type Command } from "commander";

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
  configure(cmd: Command): void;
  run(options: Options, io: Io): Promise<Result>;
  format(result: Result): string;
}

/** A CommandSpec with its option and result types erased, for the command table. */
export interface AnyCommand {
  readonly name: string;
  readonly summary: string;
  readonly examples: readonly string[];
  configure(cmd: Command): void;
  run(options: never, io: Io): Promise<unknown>;
  format(result: never): string;
}

/** A flag parser for one of a fixed set of values. */
export function choice<T extends string>(values: readonly T[]): (raw: string) => T {
  return (raw) => {
    if (!(values as readonly string[]).includes(raw)) throw new InvalidArgumentError(`expected one of ${values.join(", ")}`);
    return raw as T;
  };
}

/** A flag parser for integers ≥ min. */
export function integer(min: number): (raw: string) => number {
  return (raw) => {
    const n = Number(raw);
    if (raw.trim() === "" || !Number.isInteger(n) || n < min) throw new InvalidArgumentError(`expected an integer ≥ ${min}`);
    return n;
  };
}

/** A flag parser for finite numbers ≥ min (and, if given, ≤ max). */
export function real(min: number, max = Infinity): (raw: string) => number {
  return (raw) => {
    const n = Number(raw);
    if (raw.trim() === "" || !Number.isFinite(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected a number in [${min}, ${max === Infinity ? "∞" : max}]`);
    }
    return n;
  };
}
