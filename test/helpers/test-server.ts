import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { loadConfig } from '../../src/config/index.js';
import type { ModelRegistry } from '../../src/models/index.js';
import { createServer, type StreamForge } from '../../src/server.js';
import type { Database } from '../../src/store/index.js';
import { type Engine, openTestDatabase } from './test-database.js';

export { ENGINES, type Engine, openTestDatabase } from './test-database.js';

export interface TestServer {
  url: string;
  /** The PostgreSQL schema holding this server's tables (PostgreSQL only). */
  schema?: string;
  server: StreamForge;
  db: Database;
  close(): Promise<void>;
}

/** A real server on 127.0.0.1, port 0, with the local model at full speed. */
export async function startTestServer(
  options: {
    engine?: Engine;
    env?: Record<string, string>;
    configureModels?: (models: ModelRegistry) => void;
    /** Every log line the server writes (debug and up) is pushed here. */
    logSink?: string[];
    /** Load pgvector into the embedded database. */
    vector?: boolean;
    /** Another instance on the same database (as instances behind a load balancer share PostgreSQL). */
    shareDatabaseWith?: TestServer;
    /** PostgreSQL at this URL rather than DATABASE_URL's (engine `postgres`). */
    postgresUrl?: string;
  } = {},
): Promise<TestServer> {
  // Configuration first: a configuration that cannot work fails before a database is opened for it.
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    LOCAL_TOKEN_DELAY_MS: '0',
    COMPONENT_ROW_DELAY_MS: '0',
    PORT: '0',
    ...options.env,
  });
  const { db, drop, schema } = options.shareDatabaseWith
    ? { db: options.shareDatabaseWith.db, drop: async () => {}, schema: options.shareDatabaseWith.schema }
    : await openTestDatabase(options.engine ?? 'pglite', options.vector, options.postgresUrl);
  const sink = options.logSink;
  const logger = sink
    ? pino({ level: 'debug' }, { write: (line: string) => void sink.push(line) })
    : undefined;
  let server: Awaited<ReturnType<typeof createServer>>;
  try {
    server = await createServer({ config, db, configureModels: options.configureModels, logger });
  } catch (error) {
    await drop();
    throw error;
  }
  await server.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = server.app.server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    schema,
    server,
    db,
    async close() {
      await server.close();
      await drop();
    },
  };
}

/** Row counts of every table a request could write. */
export async function tableCounts(db: Database): Promise<{ conversations: number; messages: number }> {
  const [row] = await db.query<{ conversations: number; messages: number }>(
    `select (select count(*)::int from conversations) as conversations,
            (select count(*)::int from messages) as messages`,
  );
  if (!row) throw new Error('no counts');
  return row;
}
