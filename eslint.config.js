import js from "@eslint/js";
import tseslint from "typescript-eslint";
import globals from "globals";
import importCycles from "./eslint/import-cycles.js";
import silentCatch from "./eslint/silent-catch.js";

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
  {
    // No error dropped without a word: a log line, or a comment saying why nothing is lost
    // (eslint/silent-catch.js).
    files: ["src/**/*.ts"],
    plugins: { quiet: silentCatch },
    rules: { "quiet/no-silent-catch": "error" },
  },
  {
    // One owner of the intake ledger: IntakeMessage is written by src/ledger/ alone, through its
    // transitions (Prisma calls and SQL statements elsewhere are refused; reads are free).
    files: ["src/**/*.ts"],
    ignores: ["src/ledger/**"],
    rules: {
      "no-restricted-syntax": [
        "error",
        ...[
          "MemberExpression[object.property.name='intakeMessage'][property.name=/^(create|createMany|createManyAndReturn|update|updateMany|updateManyAndReturn|upsert|delete|deleteMany)$/]",
          String.raw`Literal[value=/(INSERT(\s+OR\s+\w+)?\s+INTO|UPDATE|DELETE\s+FROM|REPLACE\s+INTO)\s+"?IntakeMessage\b/i]`,
          String.raw`TemplateElement[value.raw=/(INSERT(\s+OR\s+\w+)?\s+INTO|UPDATE|DELETE\s+FROM|REPLACE\s+INTO)\s+"?IntakeMessage\b/i]`,
        ].map((selector) => ({ selector, message: "IntakeMessage is written by src/ledger/ only: use (or add) a transition there" })),
      ],
    },
  },
  { files: ["bin/**", "*.js", "eslint/**/*.js", "src/**/*.mjs", "fixtures/**/*.mjs"], languageOptions: { globals: globals.node } },
  { files: ["templates/static/**/*.js"], languageOptions: { globals: globals.browser } },
);
