import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJson } from './helpers/read-json.js';
import { startTestServer, type TestServer } from './helpers/test-server.js';

describe('service endpoints', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  it('GET / names the service, its version and the endpoints it serves', async () => {
    const body = await fetch(`${t.url}/`).then(readJson);
    expect(body).toMatchObject({ name: 'StreamForge', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    expect(body.endpoints).toEqual(
      expect.arrayContaining([
        { method: 'POST', path: '/v1/chat' },
        { method: 'GET', path: '/v1/conversations/:id' },
        { method: 'GET', path: '/ready' },
      ]),
    );
  });

  it('GET /health is live and GET /ready reports the database', async () => {
    expect(await fetch(`${t.url}/health`).then(readJson)).toEqual({ status: 'ok' });
    expect(await fetch(`${t.url}/ready`).then(readJson)).toEqual({
      status: 'ready',
      database: 'pglite',
      run_log: 'memory',
    });
  });

  it('GET /openapi.json documents every route, the event union and problem documents', async () => {
    const doc = await fetch(`${t.url}/openapi.json`).then(readJson);
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/',
        '/health',
        '/ready',
        '/v1/chat',
        '/v1/conversations',
        '/v1/conversations/{id}',
        '/v1/conversations/{id}/regenerate',
        '/ui',
        '/ui/{asset}',
      ]),
    );
    // OpenAPI paths are templates: Fastify's optional-parameter syntax (`/:x?`) has no place in them.
    expect(Object.keys(doc.paths).filter((path) => /[?:]/.test(path))).toEqual([]);
    // A route that needs PostgreSQL or Redis documents the 503 it answers while they are away.
    for (const [path, method] of [
      ['/v1/runs/{id}/cancel', 'post'],
      ['/v1/runs/{id}/events', 'get'],
      ['/v1/conversations', 'get'],
    ] as const) {
      expect(doc.paths[path][method].responses['503'].content['application/json'].schema, path).toEqual({
        $ref: '#/components/schemas/Problem',
      });
    }
    expect(doc.paths['/health'].get.responses['503']).toBeUndefined();
    // …and a route that takes an id documents the 400 a malformed one gets.
    expect(doc.paths['/v1/conversations/{id}'].get.responses['400']).toBeDefined();
    const chat = doc.paths['/v1/chat'].post;
    expect(Object.keys(chat.responses['200'].content)).toEqual(['text/event-stream', 'application/json']);
    const schemas = JSON.stringify(doc.components.schemas);
    for (const name of [
      'StartEvent',
      'ProgressEvent',
      'TokenEvent',
      'ComponentEvent',
      'DoneEvent',
      'ErrorEvent',
      'Problem',
      'ComponentState',
      'ModelList',
    ]) {
      expect(schemas).toContain(name);
    }
  });

  it('GET /docs serves Swagger UI', async () => {
    const response = await fetch(`${t.url}/docs/`);
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/swagger/i);
  });
});

describe('GET /ready without a database', () => {
  it('answers 503 problem+json', async () => {
    const t = await startTestServer();
    await t.db.close();
    try {
      const response = await fetch(`${t.url}/ready`);
      expect(response.status).toBe(503);
      expect(await readJson(response)).toMatchObject({ code: 'database_unavailable' });
    } finally {
      await t.server.app.close();
    }
  });
});
