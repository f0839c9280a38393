/** @file the program behind the binary: builds the command table, runs one command, maps errors to exit codes */
import { Command, CommanderError, Option } from "commander";
import { readFileSync } from "node:fs";
import { ContractError, DatasetError, installBackend, SafetensorsError, ShapeError, tuneAllocator } from "../node.js";
import { CliError, EXIT, type Io } from "./command.js";
import { commands } from "./commands.js";
import { jsonText } from "./json.js";
import { restoreDefaultSignals } from "./signals.js";
import { choicesOf } from "./flags.js";

const io: Io = {
  out: (text) => process.stdout.write(text.endsWith("\n") ? text : `${text}\n`),
  err: (text) => process.stderr.write(text),
  errIsTty: process.stderr.isTTY,
};

function version(): string {
  const pkg: unknown = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
  return typeof pkg === "object" && pkg !== null && "version" in pkg && typeof pkg.version === "string" ? pkg.version : "unknown";
}

const EXIT_CODES_HELP = `
Exit codes:
  0    success
  1    the computation failed (or an internal error)
  2    bad flags or arguments
  3    bad input file (missing, malformed, or inconsistent with the model)
  130  interrupted (SIGINT/SIGTERM); a command with --checkpoint saves first
`;

/**
 * Commander's own errors in our format: `hessian-lab: …` on one line, like every other error
 * (commander writes `error: …` and puts its did-you-mean suggestion on a second line).
 */
function commanderMessage(text: string): string {
  const oneLine = text.trim().replace(/^error: /, "").replace(/\s*\n\s*\(Did you mean/g, " (did you mean").replace(/\s*\n\s*/g, " ");
  // "option '--lr <rate>' argument '0' is invalid. expected …" → "--lr 0: expected …"
  const invalid = /^option '(-[^' ]+)[^']*' argument '(.*)' is invalid\. (.*)$/s.exec(oneLine);
  return `hessian-lab: ${invalid === null ? oneLine : `${invalid[1]} ${invalid[2]}: ${invalid[3]}`}\n`;
}

function build(debug: boolean): Command {
  const program = new Command("hessian-lab")
    .configureOutput({ outputError: (text, write) => write(commanderMessage(text)) })
    .description("Exact curvature (Hessian, Gauss-Newton, Fisher) of neural-network losses and second-order optimizers.")
    .version(version())
    .addOption(new Option("--debug", "print stack traces on errors"))
    .addHelpText("after", EXIT_CODES_HELP)
    .exitOverride()
    .showSuggestionAfterError(true);
  for (const spec of commands) {
    const cmd = program.command(spec.name).description(spec.summary);
    spec.configure(cmd);
    // every choice flag lists its values in --help (commander shows argChoices; our parser keeps its message)
    for (const option of cmd.options) {
      const values = choicesOf(option.parseArg);
      if (values !== undefined) option.argChoices = [...values];
    }
    cmd
      .option("--json", "print the result as JSON on stdout (and nothing else)")
      .option("--quiet", "no progress output on stderr")
      .addOption(new Option("--debug", "print stack traces on errors"))
      .addHelpText("after", `\nExamples:\n${spec.examples.map((e) => `  $ ${e}`).join("\n")}\n${EXIT_CODES_HELP}`)
      .exitOverride()
      .action(async (options: Record<string, unknown>, command: Command) => {
        if (spec.handlesSignals !== true) restoreDefaultSignals();
        const quiet = options.quiet === true || options.json === true ? { ...io, err: () => undefined } : io;
        const given = new Set(Object.keys(options).filter((key) => command.getOptionValueSource(key) === "cli"));
        const result = await spec.run(options as never, options.quiet === true ? quiet : io, given);
        io.out(options.json === true ? jsonText(result) : spec.format(result as never));
      });
  }
  if (debug) program.setOptionValue("debug", true);
  return program;
}

/** Maps an error to the one line the user sees and an exit code. */
function describeError(e: unknown): { message: string; code: number } {
  if (e instanceof CliError) return { message: e.message, code: e.exitCode };
  if (e instanceof SafetensorsError || e instanceof ContractError || e instanceof DatasetError) return { message: e.message, code: EXIT.input };
  if (e instanceof ShapeError) return { message: e.message, code: EXIT.input };
  if (e instanceof Error) return { message: `internal error: ${e.message}`, code: EXIT.failure };
  return { message: `internal error: ${String(e)}`, code: EXIT.failure };
}

// `hessian-lab … | head` closes stdout early: that is the reader's choice, not an error to report.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(EXIT.ok);
  throw e;
});

/** Runs the command line `argv` (process.argv shape) and returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const debug = argv.includes("--debug");
  // the native GEMM addon when npm built it, else the portable kernels (with one line saying why)
  installBackend("auto", (line) => process.stderr.write(`${line}\n`));
  // our own process: θ-sized results each step reuse freed memory instead of faulting in fresh pages
  tuneAllocator();
  const program = build(debug);
  try {
    await program.parseAsync([...argv]);
    return EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version are "errors" to commander; its own message is already on stderr
      return e.exitCode === 0 || e.code === "commander.helpDisplayed" || e.code === "commander.version" ? EXIT.ok : EXIT.usage;
    }
    const { message, code } = describeError(e);
    process.stderr.write(`hessian-lab: ${message}\n`);
    if (debug && e instanceof Error && e.stack !== undefined) process.stderr.write(`${e.stack}\n`);
    return code;
  }
}
