// Worker bootstrap for tests: records every module URL the worker resolves (posted on
// workerData.probePort), then loads workerData.entry as the worker's own code. Registered after
// entry's own loader (tsx), a hook registered here runs first and sees what tsx resolved.
import { register } from "node:module";
import { workerData } from "node:worker_threads";
import { register as registerTsx } from "tsx/esm/api";

registerTsx();
register("./module-probe-hooks.mjs", import.meta.url, { data: { port: workerData.probePort }, transferList: [workerData.probePort] });
await import(workerData.entry);
