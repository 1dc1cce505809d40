import js from "@eslint/js";
import tseslint from "typescript-eslint";
import globals from "globals";

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
  { files: ["bin/**", "*.js", "src/**/*.mjs", "fixtures/**/*.mjs"], languageOptions: { globals: globals.node } },
  { files: ["templates/static/**/*.js"], languageOptions: { globals: globals.browser } },
);
