// `npm start` runs this first (prestart): it runs `npm run build` only when dist/ is missing or something it
// is built from changed since the last successful build (scripts/build-stamp.mjs), and prints nothing when
// dist/ is up to date.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import process from 'node:process';
import { root, stampPath } from './build-stamp.mjs';

/** What start runs and serves: without either, dist/ counts as not built, stamp or not. */
const OUTPUTS = ['dist/main.js', 'dist/web/index.html'];

/**
 * What `npm run build` reads. The folders of src/ are listed too: adding, removing or renaming a file
 * changes its folder's mtime, not the file's. The lockfile stands for node_modules, which the web bundle
 * and the types come from.
 */
function inputs() {
  const src = readdirSync(join(root, 'src'), { recursive: true }).map((path) => join('src', path));
  const tsconfigs = readdirSync(root).filter((name) => /^tsconfig.*\.json$/.test(name));
  return ['src', ...src, ...tsconfigs, 'scripts/build-web.mjs', 'package.json', 'package-lock.json'];
}

/** Why dist/ needs a build, or undefined when it is up to date. */
function staleness() {
  if (!existsSync(stampPath) || OUTPUTS.some((path) => !existsSync(join(root, path)))) {
    return 'dist/ is not built';
  }
  const builtAt = statSync(stampPath).mtimeMs;
  // A file gone between the listing and its stat counts through its folder.
  const changed = inputs().find(
    (path) => statSync(join(root, path), { throwIfNoEntry: false })?.mtimeMs >= builtAt,
  );
  return changed && `${changed} changed since the last build`;
}

const reason = staleness();
if (reason) {
  process.stderr.write(`streamforge: ${reason}; building…\n`);
  // Under `npm start`, npm_execpath is the npm running us: build with that one.
  const npm = process.env.npm_execpath;
  const options = { cwd: root, stdio: 'inherit' };
  const build = npm
    ? spawnSync(process.execPath, [npm, 'run', 'build'], options)
    : spawnSync('npm', ['run', 'build'], { ...options, shell: process.platform === 'win32' });
  process.exitCode = build.status ?? 1;
}
