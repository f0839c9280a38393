/** @file the optim layer's public face: transforms, optimizers, line searches and the training loop */
export * from "./transform.js";
export * from "./context.js";
export * from "./firstOrder.js";
export * from "./nag.js";
export * from "./lineSearch.js";
export * from "./newton.js";
export * from "./newtonCg.js";
export * from "./bfgs.js";
export * from "./lbfgs.js";
export * from "./hfCg.js";
export * from "./hessianFree.js";
export * from "./kfac.js";
export * from "./naturalGradient.js";
export * from "./minimize.js";
export * from "./stopRules.js";
export * from "./train.js";
