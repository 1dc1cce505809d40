// Types of the local lint rule, for the test that runs it (tests/unit/import-cycles.test.ts).
import type { ESLint, Rule } from "eslint";

export declare const noImportCycles: Rule.RuleModule;
declare const plugin: ESLint.Plugin;
export default plugin;
