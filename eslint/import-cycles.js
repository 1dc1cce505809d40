// A lint rule: no import cycles in the project's own modules, type-only imports included.
//
// eslint-plugin-import-x's no-cycle (which fits ESLint 10) skips `import type`, always; but a
// type-only cycle is the sign the issue is about — a stage reaching into another stage's
// implementation file for a type instead of into the contract both share. So the graph here
// counts every import and re-export (`import`, `import type`, `export … from`, `import()`),
// read with TypeScript's own pre-processor, once per lint run (about 100 files: milliseconds).
import fs from "node:fs";
import path from "node:path";
import ts from "typescript";

const FOLDERS = ["src", "tests", "bench", "scripts"];
const EXTENSIONS = [".ts", ".mts"];
const SKIP = new Set(["node_modules", "generated"]);

function sourceFiles(dir, out = []) {
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (!SKIP.has(e.name)) sourceFiles(p, out);
    } else if (EXTENSIONS.some((x) => e.name.endsWith(x)) && !e.name.endsWith(".d.ts")) out.push(p);
  }
  return out;
}

/** `./x.js` written in a .ts file means ./x.ts (NodeNext resolution); packages are not ours. */
function resolve(from, spec) {
  if (!spec.startsWith(".")) return null;
  const base = path.resolve(path.dirname(from), spec);
  const candidates = [base, base.replace(/\.js$/, ".ts"), base.replace(/\.mjs$/, ".mts"), `${base}.ts`, path.join(base, "index.ts")];
  return candidates.find((c) => EXTENSIONS.some((x) => c.endsWith(x)) && fs.existsSync(c)) ?? null;
}

/** Strongly connected components (Tarjan): a component of more than one file, or a self-import, is a cycle. */
function components(graph) {
  let index = 0;
  const stack = [];
  const on = new Set();
  const idx = new Map();
  const low = new Map();
  const compOf = new Map();
  const visit = (v) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const comp = new Set();
      let w;
      do {
        w = stack.pop();
        on.delete(w);
        comp.add(w);
      } while (w !== v);
      for (const m of comp) compOf.set(m, comp);
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return compOf;
}

const cache = new Map();

function analysis(root) {
  const hit = cache.get(root);
  if (hit && Date.now() - hit.at < 2000) return hit;
  const graph = new Map();
  for (const file of FOLDERS.flatMap((f) => sourceFiles(path.join(root, f)))) {
    const info = ts.preProcessFile(fs.readFileSync(file, "utf8"), true, true);
    graph.set(file, [...new Set(info.importedFiles.map((f) => resolve(file, f.fileName)).filter(Boolean))]);
  }
  const value = { at: Date.now(), graph, compOf: components(graph) };
  cache.set(root, value);
  return value;
}

/** One shortest cycle through `start`, as the files it passes. */
function cycleThrough(graph, comp, start) {
  const prev = new Map([[start, null]]);
  const queue = [start];
  while (queue.length) {
    const v = queue.shift();
    for (const w of graph.get(v) ?? []) {
      if (!comp.has(w)) continue;
      if (w === start) {
        const pathBack = [v];
        for (let p = prev.get(v); p; p = prev.get(p)) pathBack.push(p);
        return [...pathBack.reverse(), start];
      }
      if (!prev.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}

export const noImportCycles = {
  meta: {
    type: "problem",
    docs: { description: "no import cycles among the project's modules, type-only imports included" },
    schema: [],
    messages: { cycle: "import cycle: {{path}} — take the shared types from a contract module (e.g. pipeline/contracts.ts) instead" },
  },
  create(context) {
    const file = path.resolve(context.filename);
    const { graph, compOf } = analysis(context.cwd);
    const comp = compOf.get(file);
    if (!comp || (comp.size === 1 && !(graph.get(file) ?? []).includes(file))) return {};
    return {
      Program(node) {
        const names = cycleThrough(graph, comp, file).map((f) => path.relative(context.cwd, f));
        context.report({ node, messageId: "cycle", data: { path: names.join(" → ") } });
      },
    };
  },
};

export default { rules: { "no-import-cycles": noImportCycles } };
