import { createHash, randomBytes } from 'node:crypto';
import type { Database } from './database.js';

export interface ApiKeyInfo {
  id: string;
  user_id: string;
  name: string;
  /** The first characters of the key, to recognise it; the key itself is never stored. */
  prefix: string;
  created_at: string;
  revoked_at: string | null;
}

interface Row {
  id: string;
  user_id: string;
  name: string;
  prefix: string;
  created_at: Date;
  revoked_at: Date | null;
}

/** Keys start with this, so a key is recognisable (in a leak scanner, or by the auth hook). */
export const API_KEY_PREFIX = 'sk_sf_';

/** SHA-256 is enough here: keys are 32 random bytes, not guessable passwords. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** API keys, stored hashed: the key is shown once, at creation. */
export class ApiKeyStore {
  constructor(private readonly db: Database) {}

  async create(userId: string, name: string): Promise<{ key: string; info: ApiKeyInfo }> {
    const key = `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
    const id = `key_${randomBytes(10).toString('hex')}`;
    const [row] = await this.db.query<Row>(
      `insert into api_keys (id, user_id, name, prefix, hash) values ($1, $2, $3, $4, $5)
       returning id, user_id, name, prefix, created_at, revoked_at`,
      [id, userId, name, key.slice(0, API_KEY_PREFIX.length + 6), hashApiKey(key)],
    );
    if (!row) throw new Error('insert returned no row');
    return { key, info: toInfo(row) };
  }

  /** The user a key belongs to; undefined for an unknown or revoked key. */
  async userFor(key: string): Promise<string | undefined> {
    const [row] = await this.db.query<{ user_id: string }>(
      'select user_id from api_keys where hash = $1 and revoked_at is null',
      [hashApiKey(key)],
    );
    return row?.user_id;
  }

  async list(): Promise<ApiKeyInfo[]> {
    const rows = await this.db.query<Row>(
      'select id, user_id, name, prefix, created_at, revoked_at from api_keys order by created_at desc',
    );
    return rows.map(toInfo);
  }

  async revoke(id: string): Promise<ApiKeyInfo | undefined> {
    const [row] = await this.db.query<Row>(
      `update api_keys set revoked_at = coalesce(revoked_at, now()) where id = $1
       returning id, user_id, name, prefix, created_at, revoked_at`,
      [id],
    );
    return row && toInfo(row);
  }
}

function toInfo(row: Row): ApiKeyInfo {
  return {
    id: row.id,
    user_id: row.user_id,
    name: row.name,
    prefix: row.prefix,
    created_at: row.created_at.toISOString(),
    revoked_at: row.revoked_at?.toISOString() ?? null,
  };
}
