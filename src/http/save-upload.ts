import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/**
 * Streams an upload to a temporary file, hashing it on the way: the upload is never held in memory
 * whole while it arrives. The caller deletes `path` (and its folder) when done.
 */
export async function saveUpload(
  file: Readable,
): Promise<{ path: string; dir: string; sha256: string; size: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'streamforge-upload-'));
  const path = join(dir, 'upload');
  const hash = createHash('sha256');
  let size = 0;
  await pipeline(
    file,
    async function* (source: AsyncIterable<Buffer>) {
      for await (const chunk of source) {
        hash.update(chunk);
        size += chunk.length;
        yield chunk;
      }
    },
    createWriteStream(path),
  );
  return { path, dir, sha256: hash.digest('hex'), size };
}
