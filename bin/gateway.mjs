#!/usr/bin/env node
// Runs the TypeScript sources directly (tsx): no build step between a checkout and a running gateway.
// Everything the gateway writes is its own alone: files 0600, directories 0700 (src/util/file-modes.ts).
process.umask(0o077);
import { register } from "tsx/esm/api";
register();
await import("../src/cli.ts");
