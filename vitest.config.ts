import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    globalSetup: ["tests/support/global-setup.ts"],
    testTimeout: 60_000,
    // Tests are quiet: the structured log is off unless LOG_LEVEL is set (tests of the log set their own).
    env: { LOG_LEVEL: process.env.LOG_LEVEL ?? "silent" },
    hookTimeout: 120_000,
    pool: "forks",
    // Two cores: the integration and browser tests each start real processes of their own.
    maxWorkers: 2,
    reporters: ["default"],
  },
});
