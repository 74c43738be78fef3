import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Fastify from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { describe, expect, it } from 'vitest';
import type { App } from '../app.js';
import { webRoutes } from './web-routes.js';

async function appServing(dir: string) {
  const app = Fastify().withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  webRoutes(app as unknown as App, pathToFileURL(`${dir}/`));
  await app.ready();
  return app;
}

describe('webRoutes', () => {
  it('serves the built page and its assets with their types', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sf-web-'));
    await writeFile(join(dir, 'index.html'), '<!doctype html><title>x</title>');
    await writeFile(join(dir, 'app.js'), 'export {};');
    await writeFile(join(dir, 'app.css'), 'body{}');
    const app = await appServing(dir);
    const page = await app.inject('/ui');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toBe('<!doctype html><title>x</title>');
    const script = await app.inject('/ui/app.js');
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.body).toBe('export {};');
    expect((await app.inject('/ui/app.css')).headers['content-type']).toBe('text/css; charset=utf-8');
    // Only the page's own files: nothing else in (or above) the folder is reachable.
    expect((await app.inject('/ui/index.html')).statusCode).toBe(400);
    expect((await app.inject('/ui/..%2Fpackage.json')).statusCode).toBe(400);
    await app.close();
  });

  it('says how to build the page when it has not been built', async () => {
    const app = await appServing(join(tmpdir(), 'sf-web-missing-dir'));
    const response = await app.inject('/ui');
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({
      code: 'web_not_built',
      detail: expect.stringContaining('npm run build'),
    });
    await app.close();
  });
});
