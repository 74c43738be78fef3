import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import type { TestProject } from 'vitest/node';
import './helpers/provided-context.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * Once per `vitest run`, before any test file: the servers and CLIs the tests spawn run from dist/ (plain
 * Node, no TypeScript transform at start: 0.25 s instead of 0.65 s for the CLI), so dist/ is rebuilt here when
 * a source changed since its last build; and the data directories of spawned servers start from one copy of
 * an initdb'd database instead of running initdb each (several seconds on a busy machine).
 */
export default async function setup(project: TestProject) {
  const build = spawnSync(process.execPath, [join(ROOT, 'scripts/build-if-stale.mjs')], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (build.status !== 0) throw new Error('dist/ could not be built for the tests that spawn the server');

  // initdb once (several seconds of CPU): in memory, dumped as a tarball, which both templates are made from.
  const template = mkdtempSync(join(tmpdir(), 'sf-pglite-template-'));
  const initdb = await PGlite.create();
  const tarball = await initdb.dumpDataDir('none');
  await initdb.close();
  const tarballPath = join(template, 'pglite.tar');
  writeFileSync(tarballPath, Buffer.from(await tarball.arrayBuffer()));
  mkdirSync(join(template, 'data'));
  const onDisk = await PGlite.create(join(template, 'data', 'pglite'), { loadDataDir: tarball });
  await onDisk.close();
  project.provide('pgliteDataDir', join(template, 'data'));
  project.provide('pgliteTarball', tarballPath);
  return () => rmSync(template, { recursive: true, force: true });
}
