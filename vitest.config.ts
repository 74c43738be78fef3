import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Builds dist/ when stale (spawned servers and CLIs run from it) and makes the spawned servers' data template.
    globalSetup: ['test/global-setup.ts'],
    // Tests wait on events and predicates; these are only the outer bounds that end a hung test. They are
    // generous because CI shares a 2-core machine: a PGlite boot, a spawned server or Chromium can take many
    // seconds there, and a slow machine must not fail a correct test.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    maxWorkers: 2,
    // The test files of a worker share its module cache: most import the whole server, and transforming and
    // loading it again for each of 80 files was a third of the suite's time. Tests keep no module state of their
    // own (fake timers are restored after each test, nothing mocks modules or writes process.env).
    isolate: false,
  },
});
