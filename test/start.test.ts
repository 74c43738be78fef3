import { spawn, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../src/cli/index.js';
import { spawnCli } from './helpers/spawn-cli.js';
import { freshDataDir } from './helpers/data-dir.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

describe('starting on a port that is taken', () => {
  let holder: Server;
  let port: number;
  const env = () => ({
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: freshDataDir('sf-start-'),
    DATABASE_URL: '',
    REDIS_URL: '',
    LOG_LEVEL: 'warn',
  });
  const expectOneLine = (stderr: string) => {
    expect(stderr).toBe(
      `streamforge: port ${port} on 127.0.0.1 is already in use (set PORT to another port)\n`,
    );
    expect(stderr).not.toContain('    at ');
  };

  beforeAll(async () => {
    holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    port = (holder.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => holder.close(() => resolve())));

  it(
    'npm start (dist/main.js) says so in one line and exits 1, without a stack',
    { timeout: 60_000 },
    async () => {
      const child = spawn(process.execPath, ['dist/main.js'], {
        cwd: ROOT,
        env: { ...process.env, ...env() },
      });
      try {
        let stderr = '';
        child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
        const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
        expect(code).toBe(1);
        expectOneLine(stderr);
      } finally {
        child.kill('SIGKILL');
      }
    },
  );

  it('streamforge serve says the same and exits 1', { timeout: 60_000 }, async () => {
    const cli = spawnCli(['serve'], env());
    try {
      const run = await cli.result;
      expect(run.code).toBe(ExitCode.failed);
      expectOneLine(run.stderr);
    } finally {
      cli.child.kill('SIGKILL');
    }
  });
});

describe('scripts/build-if-stale.mjs (prestart)', () => {
  // A copy of the package whose `build` counts its runs (and fails when asked), with the real build hooks.
  const dir = mkdtempSync(join(tmpdir(), 'sf-build-if-stale-'));
  const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  mkdirSync(join(dir, 'scripts'));
  mkdirSync(join(dir, 'src/chat'), { recursive: true });
  for (const file of ['build-if-stale.mjs', 'build-stamp.mjs']) {
    copyFileSync(join(ROOT, 'scripts', file), join(dir, 'scripts', file));
  }
  writeFileSync(join(dir, 'scripts/build-web.mjs'), '');
  writeFileSync(join(dir, 'tsconfig.json'), '{}');
  writeFileSync(join(dir, 'src/main.ts'), '');
  writeFileSync(join(dir, 'src/chat/turn.ts'), '');
  writeFileSync(
    join(dir, 'fake-build.mjs'),
    `import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
if (process.env.FAIL_BUILD) process.exit(1);
mkdirSync('dist/web', { recursive: true });
writeFileSync('dist/main.js', '');
writeFileSync('dist/web/index.html', '');
appendFileSync('builds', 'x');`,
  );
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({
      name: 'fake',
      private: true,
      scripts: { prebuild: scripts.prebuild, build: 'node fake-build.mjs', postbuild: scripts.postbuild },
    }),
  );
  const builds = () =>
    existsSync(join(dir, 'builds')) ? readFileSync(join(dir, 'builds'), 'utf8').length : 0;
  const prestart = (env: Record<string, string> = {}) => {
    const run = spawnSync(process.execPath, ['scripts/build-if-stale.mjs'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, ...env },
    });
    return { code: run.status, stderr: run.stderr, stdout: run.stdout };
  };

  it('builds when dist is missing, then says nothing and builds nothing while it is up to date', () => {
    expect(prestart().stderr).toMatch(/^streamforge: dist\/ is not built; building…$/m);
    expect(builds()).toBe(1);
    expect(prestart()).toEqual({ code: 0, stderr: '', stdout: '' });
    expect(builds()).toBe(1);
  });

  it('builds again after a source changed, and after a file in src was renamed', () => {
    const now = new Date();
    utimesSync(join(dir, 'src/chat/turn.ts'), now, now);
    expect(prestart().stderr).toContain('src/chat/turn.ts changed since the last build');
    expect(builds()).toBe(2);

    renameSync(join(dir, 'src/chat/turn.ts'), join(dir, 'src/chat/run-turn.ts'));
    expect(prestart().stderr).toContain('src/chat changed since the last build');
    expect(builds()).toBe(3);
    expect(prestart().stderr).toBe('');
  });

  it('a failed build leaves no stamp: it exits non-zero and the next start builds again', () => {
    const now = new Date();
    utimesSync(join(dir, 'tsconfig.json'), now, now);
    expect(prestart({ FAIL_BUILD: '1' }).code).not.toBe(0);
    expect(prestart().stderr).toContain('dist/ is not built');
    expect(builds()).toBe(4);
    expect(prestart().stderr).toBe('');
  });
});
