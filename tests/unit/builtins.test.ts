// pdf-parse carries pdf.js's core-js polyfills, which replace built-ins Node already has
// (Array.prototype.push, JSON.parse, Function.prototype.toString) for the whole process. The
// gateway loads it through src/extract/pdf.ts, which puts them back. Checked in a fresh
// process: the test runner's own process may have loaded pdf.js unguarded already.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { preserveBuiltins } from "../../src/util/builtins.js";

const run = promisify(execFile);

const probe = `
const natives = { push: Array.prototype.push, parse: JSON.parse, toString: Function.prototype.toString };
const fs = await import("node:fs");
const { extractPart } = await import("./src/extract/documents.ts");
const { loadConfig } = await import("./src/config/index.ts");
const limits = loadConfig({}).limits;
const content = fs.readFileSync("fixtures/fax/07-sanhe-text-layer.pdf");
const r = await extractPart({ index: 0, filename: "a.pdf", contentType: "application/pdf", size: content.length, sha256: "", content, inline: false, contentId: null }, limits);
console.log(JSON.stringify({
  status: r.status, chars: r.text.length,
  push: Array.prototype.push === natives.push, parse: JSON.parse === natives.parse, toString: Function.prototype.toString === natives.toString,
  withResolvers: typeof Promise.withResolvers,
}));
`;

describe("built-ins", () => {
  it("stay Node's own after pdf-parse is loaded and a PDF read, while pdf.js keeps what it added", async () => {
    const { stdout } = await run(process.execPath, ["--import", "tsx", "--input-type=module", "-e", probe], { cwd: process.cwd() });
    const r = JSON.parse(stdout.trim().split("\n").pop()!);
    expect(r).toMatchObject({ status: "ok", push: true, parse: true, toString: true, withResolvers: "function" });
    expect(r.chars).toBeGreaterThan(100);
  });

  it("restore() puts back a replaced built-in and leaves an added one", () => {
    const saved = preserveBuiltins();
    const push = Array.prototype.push;
    const slowPush = function (this: unknown[], ...items: unknown[]) {
      return push.apply(this, items);
    };
    Object.defineProperty(Array.prototype, "push", { value: slowPush, writable: true, configurable: true, enumerable: false });
    (Math as unknown as Record<string, unknown>).gatewayTestAddition = 1;
    try {
      expect(saved.restore()).toEqual(["Array.prototype.push"]);
      expect(Array.prototype.push).toBe(push);
      expect((Math as unknown as Record<string, unknown>).gatewayTestAddition).toBe(1);
      expect(saved.restore()).toEqual([]);
      // Limited to named built-ins, a replacement outside the list stays.
      Object.defineProperty(Array.prototype, "push", { value: slowPush, writable: true, configurable: true, enumerable: false });
      expect(saved.restore(new Set(["JSON.parse"]))).toEqual([]);
      expect(Array.prototype.push).toBe(slowPush);
      expect(saved.restore(new Set(["Array.prototype.push"]))).toEqual(["Array.prototype.push"]);
    } finally {
      delete (Math as unknown as Record<string, unknown>).gatewayTestAddition;
      Object.defineProperty(Array.prototype, "push", { value: push, writable: true, configurable: true, enumerable: false });
    }
  });
});
