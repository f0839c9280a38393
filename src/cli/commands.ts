/** @file the table of CLI commands, in the order help lists them */
import type { AnyCommand } from "./command.js";
import { benchCommand } from "./bench.js";
import { demoCommand } from "./demo.js";
import { evaluateCommand } from "./evaluate.js";
import { hvpCommand } from "./hvp.js";
import { spectrumCommand } from "./spectrum.js";
import { trainCommand } from "./train.js";
import { densityCommand } from "./density.js";
import { landscapeCommand } from "./landscape.js";
import { taylorCommand } from "./taylor.js";

/** Every command of the binary. */
export const commands: readonly AnyCommand[] = [demoCommand, evaluateCommand, hvpCommand, spectrumCommand, trainCommand, benchCommand, densityCommand, landscapeCommand, taylorCommand] as readonly AnyCommand[];
