// Builds the web chat page (src/web) into dist/web: one ES module bundle, its stylesheet and the HTML.
// Part of `npm run build`, so `npm start` and `npm ci` both produce it; the server serves it at /ui.
import { copyFile, mkdir } from 'node:fs/promises';
import { fileURLToPath, URL } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = `${root}dist/web`;

await mkdir(out, { recursive: true });
await build({
  entryPoints: [`${root}src/web/main.ts`],
  outfile: `${out}/app.js`,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022'],
  minify: true,
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
});
await Promise.all([
  copyFile(`${root}src/web/index.html`, `${out}/index.html`),
  copyFile(`${root}src/web/styles.css`, `${out}/app.css`),
]);
