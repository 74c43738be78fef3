import { resolve } from 'node:path';
import { z } from 'zod';
import { envSection } from './env-section.js';

/** Where conversations, documents and run logs live. */
export const storageSettings = envSection('', {
  /** Where the embedded database lives. @default ./data */
  DATA_DIR: z
    .string()
    .min(1)
    .default('./data')
    .transform((dir) => resolve(dir)),
  /** PostgreSQL instead of the embedded database. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  /** Redis for run logs, cancels, presence and rate limits shared by several instances; unset: in-process. */
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .optional(),
  /** Prefix of StreamForge's Redis keys and channels. @default sf: */
  REDIS_PREFIX: z.string().min(1).max(50).default('sf:'),
});
export type StorageSettings = z.infer<typeof storageSettings>;
