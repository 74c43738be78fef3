import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { createClient, StreamForgeError, type UploadFile, type UploadResult } from '../client/index.js';
import { ExitCode } from './exit-code.js';
import type { Command } from './parse-command-line.js';
import { printableLine } from './printable.js';
import { reportError } from './report-error.js';
import type { CliIo } from './terminal-output.js';

/** What a rejected file is answered with: too large, not a type the server reads, nothing to index in it. */
const FILE_PROBLEMS = new Set([413, 415, 422]);

/**
 * `streamforge ingest`: uploads the files in one request and prints one line per file, e.g.
 * `indexed notes.md (4 chunks, doc_…)`, `duplicate notes.md (already indexed as doc_…)` or
 * `rejected empty.txt: The file is empty (empty_file)`. Every file is read before anything is sent.
 */
export async function ingestCommand(
  command: Extract<Command, { name: 'ingest' }>,
  io: CliIo,
): Promise<number> {
  const files: UploadFile[] = [];
  for (const path of command.files) {
    try {
      files.push(Object.assign(new Blob([await readFile(path)]), { name: basename(path) }));
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(error);
      io.stderr.write(`cannot read ${path}: ${reason}\n`);
      return ExitCode.usage;
    }
  }

  const client = createClient({ baseUrl: command.url, token: command.token });
  let result: UploadResult;
  try {
    result = await client.documents.upload(files);
  } catch (error) {
    // The server answers an upload of one file with that file's problem, not with a list of one.
    const [only] = files;
    if (only && files.length === 1 && error instanceof StreamForgeError && FILE_PROBLEMS.has(error.status))
      result = {
        files: [{ filename: only.name ?? '', status: 'rejected', problem: problemOf(error) }],
      };
    else return reportError(error, command.url, io.stderr);
  }

  for (const file of result.files) {
    const name = printableLine(file.filename);
    if (file.status === 'indexed')
      io.stdout.write(`indexed ${name} (${file.document?.chunk_count ?? 0} chunks, ${file.document?.id})\n`);
    else if (file.status === 'duplicate')
      io.stdout.write(`duplicate ${name} (already indexed as ${file.document?.id})\n`);
    else
      io.stdout.write(
        `rejected ${name}: ${printableLine(file.problem?.detail ?? 'no reason given')} (${file.problem?.code ?? 'rejected'})\n`,
      );
  }
  return result.files.some((f) => f.status === 'rejected') ? ExitCode.failed : ExitCode.ok;
}

function problemOf(error: StreamForgeError) {
  return (
    error.problem ?? {
      type: 'about:blank',
      title: error.code,
      status: error.status,
      detail: error.message,
      code: error.code,
    }
  );
}
