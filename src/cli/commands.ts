/** @file the table of CLI commands, in the order help lists them */
import type { AnyCommand } from "./command.js";
import { evaluateCommand } from "./evaluate.js";
import { hvpCommand } from "./hvp.js";
import { spectrumCommand } from "./spectrum.js";

/** Every command of the binary. */
export const commands: readonly AnyCommand[] = [evaluateCommand, hvpCommand, spectrumCommand] as readonly AnyCommand[];
