/** @file the nn layer's public face */
export * from "./activations.js";
export * from "./paramLayout.js";
export * from "./losses.js";
export * from "./network.js";
export * from "./initializers.js";
export * from "./presets.js";
