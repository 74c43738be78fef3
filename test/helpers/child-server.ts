/**
 * A StreamForge instance in its own process, for tests that kill one (SIGKILL) or run several. Reads its
 * settings from the environment plus TEST_PG_SCHEMA (the test's PostgreSQL schema), and reports its port
 * to the parent over IPC.
 */
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../src/config/index.js';
import { createServer } from '../../src/server.js';
import { openDatabase } from '../../src/store/index.js';

const url = process.env.DATABASE_URL;
const schema = process.env.TEST_PG_SCHEMA;
if (!url || !schema) throw new Error('DATABASE_URL and TEST_PG_SCHEMA are required');
const db = await openDatabase({ engine: 'postgres', url, schema });
const server = await createServer({ config: loadConfig({ ...process.env, LOG_LEVEL: 'silent' }), db });
await server.app.listen({ port: 0, host: '127.0.0.1' });
process.send?.({ port: (server.app.server.address() as AddressInfo).port });
