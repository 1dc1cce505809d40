import js from "@eslint/js";
import tseslint from "typescript-eslint";
import globals from "globals";
import importCycles from "./eslint/import-cycles.js";

export default tseslint.config(
  { ignores: ["node_modules/", "data/", "src/generated/", "coverage/", ".tmp/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-constant-condition": ["error", { checkLoops: false }],
    },
  },
  {
    // The import graph: types imported as types (erased at run time, and with tsconfig's
    // verbatimModuleSyntax every other import is kept, so what a thread loads is what its
    // imports say), and no cycles, type-only ones included (eslint/import-cycles.js).
    files: ["src/**/*.ts", "tests/**/*.ts", "bench/**/*.ts", "scripts/**/*.ts"],
    plugins: { local: importCycles },
    rules: {
      "@typescript-eslint/consistent-type-imports": ["error", { prefer: "type-imports", fixStyle: "inline-type-imports" }],
      "@typescript-eslint/no-import-type-side-effects": "error",
      "local/no-import-cycles": "error",
    },
  },
  { files: ["bin/**", "*.js", "eslint/**/*.js", "src/**/*.mjs", "fixtures/**/*.mjs"], languageOptions: { globals: globals.node } },
  { files: ["templates/static/**/*.js"], languageOptions: { globals: globals.browser } },
);
