import { randomFillSync } from 'node:crypto';
import { z } from 'zod';

/** Branded ids: passing a message id where a conversation id is expected is a type error. */
export type ConversationId = string & { readonly __brand: 'ConversationId' };
export type MessageId = string & { readonly __brand: 'MessageId' };
export type RunId = string & { readonly __brand: 'RunId' };
export type DocumentId = string & { readonly __brand: 'DocumentId' };

const PREFIX = { conversation: 'conv', message: 'msg', run: 'run', document: 'doc' } as const;
type IdKind = keyof typeof PREFIX;
type IdOf<K extends IdKind> = K extends 'conversation'
  ? ConversationId
  : K extends 'message'
    ? MessageId
    : K extends 'document'
      ? DocumentId
      : RunId;

const ID_BYTES = 20;
/** Random bytes drawn from the system in bulk: one call per 204 ids instead of one per id. */
const pool = new Uint8Array(ID_BYTES * 204);
let pooled = 0;

/** A new id: a readable prefix and 20 random bytes in base32 (`conv_…`, `msg_…`, `run_…`). */
export function newId<K extends IdKind>(kind: K): IdOf<K> {
  if (pooled === 0) {
    randomFillSync(pool);
    pooled = pool.length;
  }
  pooled -= ID_BYTES;
  return `${PREFIX[kind]}_${base32(pool, pooled, ID_BYTES)}` as IdOf<K>;
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
function base32(bytes: Uint8Array, from: number, length: number): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (let i = from; i < from + length; i++) {
    value = ((value << 8) | (bytes[i] ?? 0)) & 0xfff;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}

export const conversationIdSchema = z
  .string()
  .min(1)
  .max(64)
  .transform((s) => s as ConversationId)
  .describe('Conversation id (`conv_…`)');
/** The `:id` path parameter of the resource routes (conversations, documents, runs, API keys). */
/** An id in a path (`conv_…`, `run_…`, `doc_…`): letters, digits, `_` and `-`; anything else is a 400. */
export const idParamsSchema = z.object({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be an id: 1 to 64 letters, digits, "_" or "-"'),
});

/**
 * An event position as a header or query string carries it (`Last-Event-ID`, `?after=`): a plain decimal
 * integer and nothing else ("0x10", "1e2", " 7" are refused, not read as numbers).
 */
export const eventPositionSchema = z
  .string()
  .regex(/^\d{1,15}$/, 'must be a plain decimal event id')
  .transform(Number);

export const messageIdSchema = z.string().transform((s) => s as MessageId);
export const runIdSchema = z.string().transform((s) => s as RunId);
