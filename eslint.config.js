// @ts-check
import tseslint from "typescript-eslint";
import importX from "eslint-plugin-import-x";

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

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "out/", ".tmp/"] },
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
      "import-x/no-cycle": "error",
      "import-x/no-restricted-paths": [
        "error",
        { zones: Object.entries(above).map(([target, from]) => layer(target, from)) },
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
