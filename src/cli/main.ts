#!/usr/bin/env node
/** @file the `hessian-lab` binary: signal handlers first, then the program, loaded only after them */
import { installSignalHandlers } from "./signals.js";

// before anything else: the program's modules take a while to load, and a signal meanwhile must exit 130
installSignalHandlers();
const { main } = await import("./program.js");
process.exitCode = await main(process.argv);
