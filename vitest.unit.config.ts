// `npm run test:unit`: the fast tests — pure stages (screen, identify, route, compose, decide),
// the in-memory pipeline, planning, grammar, limits that need no heavy reader — in a few
// seconds, most of it module loading. The unit tests that load pdf.js or inflate archives take
// seconds each and run with everything else in `npm test`.
import { defineConfig } from "vitest/config";
import base from "./vitest.config.js";

export default defineConfig({
  test: {
    ...base.test,
    include: ["tests/unit/**/*.test.ts"],
    // One module cache for all these files: loading, not testing, is what takes the time here.
    isolate: false,
    exclude: ["tests/unit/builtins.test.ts", "tests/unit/unzip.test.ts", "tests/unit/hostile-limits.test.ts", "**/node_modules/**"],
  },
});
