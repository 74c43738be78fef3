import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import './provided-context.js';

/**
 * A new DATA_DIR for a spawned server, holding a copy of the run's initdb'd PGlite database (made once in
 * test/global-setup.ts): the server opens it and migrates it as it would a data directory it made itself.
 */
export function freshDataDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cpSync(inject('pgliteDataDir'), dir, { recursive: true });
  return dir;
}
