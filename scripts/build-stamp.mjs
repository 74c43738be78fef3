// The stamp that says dist/ is up to date: its mtime is when the last successful `npm run build` began.
// `prebuild` runs `begin` (drops the stamp, starts a pending one), `postbuild` runs `end` (the pending one
// becomes the stamp). A failed build never reaches `end`, so it leaves no stamp and the next `npm start`
// builds again; a source saved while a build runs is newer than the stamp, so it is not taken as built.
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import process from 'node:process';
import { fileURLToPath, URL } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));
export const stampPath = `${root}dist/.build-stamp`;
const pendingPath = `${stampPath}.pending`;

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const step = process.argv[2];
  if (step === 'begin') {
    rmSync(stampPath, { force: true });
    mkdirSync(`${root}dist`, { recursive: true });
    writeFileSync(pendingPath, '');
  } else if (step === 'end') {
    renameSync(pendingPath, stampPath); // a rename keeps the mtime: the stamp says when the build began
  } else {
    process.stderr.write('usage: node scripts/build-stamp.mjs begin|end\n');
    process.exitCode = 2;
  }
}
