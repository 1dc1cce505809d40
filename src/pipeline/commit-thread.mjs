// Worker bootstrap: workers do not inherit the main thread's loader hooks, so register tsx here.
import { register } from "tsx/esm/api";
register();
await import("./commit-thread.ts");
