import { readFileSync } from 'node:fs';

/** The package's version, from the package.json two folders up (from `src/cli` and from `dist/cli`). */
export function readVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}
