// The lint rule that keeps the import graph free of cycles (eslint/import-cycles.js), on a small
// project of its own: a cycle made only of `import type` is reported, with its path, in each of
// its files; a file that merely imports from the cycle is not.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { ESLint } from "eslint";
import tseslint from "typescript-eslint";
import { afterAll, describe, expect, it } from "vitest";
import importCycles from "../../eslint/import-cycles.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gw-cycles-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(file: string, text: string) {
  fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
  fs.writeFileSync(path.join(dir, file), text);
}

describe("no-import-cycles", () => {
  it("reports a type-only cycle in each of its files, and nothing outside it", async () => {
    write("src/pipeline/ingest.ts", `import { store } from "./commit.js";\nexport interface IngestResult { id: number }\nexport const run = () => store();\n`);
    write("src/pipeline/commit.ts", `import type { IngestResult } from "./ingest.js";\nexport const store = (): IngestResult[] => [];\n`);
    write("src/cli.ts", `import { run } from "./pipeline/ingest.js";\nrun();\n`);
    write("src/pipeline/contracts.ts", `export interface Result { id: number }\n`);
    write("src/pipeline/decide.ts", `import type { Result } from "./contracts.js";\nexport const decide = (): Result | null => null;\n`);
    const eslint = new ESLint({
      cwd: dir,
      overrideConfigFile: true,
      overrideConfig: [{ files: ["**/*.ts"], languageOptions: { parser: tseslint.parser }, plugins: { local: importCycles }, rules: { "local/no-import-cycles": "error" } }],
    });
    const results = await eslint.lintFiles(["src/**/*.ts"]);
    const byFile = Object.fromEntries(results.map((r) => [path.relative(dir, r.filePath), r.messages.map((m) => m.message)]));
    expect(byFile["src/pipeline/ingest.ts"]).toEqual([expect.stringContaining("import cycle: src/pipeline/ingest.ts → src/pipeline/commit.ts → src/pipeline/ingest.ts")]);
    expect(byFile["src/pipeline/commit.ts"]).toEqual([expect.stringContaining("import cycle: src/pipeline/commit.ts → src/pipeline/ingest.ts → src/pipeline/commit.ts")]);
    expect(byFile["src/cli.ts"]).toEqual([]);
    expect(byFile["src/pipeline/decide.ts"]).toEqual([]);
  });
});
