// @ts-check
import tseslint from "typescript-eslint";
import importX from "eslint-plugin-import-x";
import { readFileSync } from "node:fs";
import { builtinModules } from "node:module";

/** The layer arrows of DESIGN.md: each zone lists what a layer must NOT import. */
const layer = (target, from) => ({ target: `./src/${target}`, from: from.map((f) => `./src/${f}`) });
const above = {
  kernels: ["autodiff", "linalg", "nn", "curvature", "optim", "data", "files", "cli", "web", "index.ts"],
  autodiff: ["linalg", "nn", "curvature", "optim", "data", "files", "cli", "web", "index.ts"],
  linalg: ["autodiff", "nn", "curvature", "optim", "data", "files", "cli", "web", "index.ts"],
  data: ["autodiff", "linalg", "nn", "curvature", "optim", "files", "cli", "web", "index.ts"],
  nn: ["linalg", "curvature", "optim", "data", "files", "cli", "web", "index.ts"],
  curvature: ["optim", "data", "files", "cli", "web", "index.ts"],
  optim: ["data", "files", "cli", "web", "index.ts"],
};

/**
 * The browser layers are the files tsconfig.browser.json typechecks without Node's types: one list
 * for both checks. A directory there means every .ts file under it.
 */
const browserConfig = JSON.parse(readFileSync(new URL("./tsconfig.browser.json", import.meta.url), "utf8"));
const browserFiles = browserConfig.include.map((p) => (p.endsWith(".ts") ? p : `${p}/**/*.ts`));
/** The web app runs in the page too (its tests and its Vite config run in Node). */
const webFiles = ["web/src/**/*.ts"];
const webNodeFiles = ["web/src/**/*.test.ts"];
const nodeBuiltins = builtinModules.filter((m) => !m.startsWith("_"));
const nodeGlobals = ["process", "Buffer", "setImmediate", "clearImmediate", "__dirname", "__filename", "require", "module", "exports", "global"];
const nodeOnly = (what) => `${what} is Node-only; the browser layers must run in a page (Node edges live behind src/node.ts)`;

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "out/", ".tmp/", "web/dist/"] },
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ["*.js", "scripts/*.mjs"] }, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { "import-x": importX },
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true, allowBoolean: true }],
      "@typescript-eslint/no-non-null-assertion": "off",
      "@typescript-eslint/no-unnecessary-condition": "off",
      "@typescript-eslint/no-confusing-void-expression": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      // cycles inside node_modules are not ours (and following them into vite's package trips a resolver)
      "import-x/no-cycle": ["error", { ignoreExternal: true }],
      "import-x/no-restricted-paths": [
        "error",
        {
          zones: [
            ...Object.entries(above).map(([target, from]) => layer(target, from)),
            // DESIGN.md: the web app imports the library's public, browser-safe face only
            { target: "./web", from: "./src", except: ["./index.ts"], message: "web/ imports src/index.ts only (never src/node.ts or a module inside)" },
          ],
        },
      ],
    },
  },
  {
    files: [...browserFiles, ...webFiles],
    ignores: [...browserConfig.exclude, ...webNodeFiles],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: nodeBuiltins.map((name) => ({ name, message: nodeOnly(`"${name}"`) })),
          patterns: [{ group: ["node:*"], message: nodeOnly("a node: module") }],
        },
      ],
      "no-restricted-syntax": [
        "error",
        { selector: "ImportExpression[source.value=/^node:/]", message: nodeOnly("a node: module") },
      ],
      "no-restricted-globals": ["error", ...nodeGlobals.map((name) => ({ name, message: nodeOnly(name) }))],
      "no-restricted-properties": [
        "error",
        ...nodeGlobals.map((property) => ({ object: "globalThis", property, message: nodeOnly(property) })),
      ],
    },
  },
  {
    // node:test's test()/describe() return promises the runner itself awaits
    files: ["**/*.test.ts"],
    rules: { "@typescript-eslint/no-floating-promises": "off" },
  },
  {
    files: ["**/*.js", "**/*.mjs"],
    ...tseslint.configs.disableTypeChecked,
  },
);
