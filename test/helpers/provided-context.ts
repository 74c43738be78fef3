/** What test/global-setup.ts provides to the test files (`inject`). */
declare module 'vitest' {
  export interface ProvidedContext {
    /** An initdb'd PGlite data directory to copy into a spawned server's DATA_DIR (see helpers/data-dir.ts). */
    pgliteDataDir: string;
    /** The same database as a `dumpDataDir` tarball, the template of the in-memory test databases. */
    pgliteTarball: string;
  }
}

export {};
