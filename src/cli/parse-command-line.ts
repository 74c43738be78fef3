import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './usage-error.js';

/** Where `chat` and `ingest` go without `--url` or `STREAMFORGE_URL`. */
export const DEFAULT_URL = 'http://127.0.0.1:8000';

/** A command line, validated, with the environment's defaults filled in. */
export type Command =
  | { name: 'help' }
  | { name: 'version' }
  | {
      name: 'chat';
      question: string;
      url: string;
      token?: string;
      model?: string;
      conversationId?: string;
      json: boolean;
    }
  | { name: 'ingest'; files: string[]; url: string; token?: string }
  | { name: 'serve'; port?: number; host?: string };

const help = { type: 'boolean', short: 'h' } as const;
const server = { url: { type: 'string' }, token: { type: 'string' } } as const;

/**
 * Reads `streamforge`'s arguments (without `node` and the script). Throws `UsageError` for anything it
 * cannot run: no or an unknown command, an unknown option, a missing question or file, a bad value.
 */
export function parseCommandLine(argv: string[], env: Record<string, string | undefined>): Command {
  const [first, ...rest] = argv;
  if (first === undefined) throw new UsageError('missing command');
  if (first === 'help' || first === '--help' || first === '-h') return { name: 'help' };
  if (first === '--version' || first === '-v') return { name: 'version' };

  const connection = (values: { url?: string; token?: string }) => {
    const token = values.token ?? env.STREAMFORGE_TOKEN;
    return {
      url: serverUrl(values.url ?? (env.STREAMFORGE_URL || DEFAULT_URL)),
      ...(token ? { token } : {}),
    };
  };

  switch (first) {
    case 'chat': {
      const { values, positionals } = parse(rest, {
        ...server,
        model: { type: 'string' },
        conversation: { type: 'string' },
        json: { type: 'boolean' },
        help,
      });
      if (values.help) return { name: 'help' };
      // Unquoted words are one question: `streamforge chat top 5 products` asks "top 5 products".
      const question = positionals.join(' ').trim();
      if (!question) throw new UsageError('missing question: streamforge chat "<question>"');
      return {
        name: 'chat',
        question,
        ...connection(values),
        ...(values.model ? { model: values.model } : {}),
        ...(values.conversation ? { conversationId: values.conversation } : {}),
        json: values.json ?? false,
      };
    }
    case 'ingest': {
      const { values, positionals } = parse(rest, { ...server, help });
      if (values.help) return { name: 'help' };
      if (positionals.length === 0) throw new UsageError('missing files: streamforge ingest <files...>');
      return { name: 'ingest', files: positionals, ...connection(values) };
    }
    case 'serve': {
      const { values, positionals } = parse(rest, {
        port: { type: 'string' },
        host: { type: 'string' },
        help,
      });
      if (values.help) return { name: 'help' };
      if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
      if (values.host === '') throw new UsageError('--host must not be empty');
      return {
        name: 'serve',
        ...(values.port === undefined ? {} : { port: port(values.port) }),
        ...(values.host ? { host: values.host } : {}),
      };
    }
    default:
      throw new UsageError(first.startsWith('-') ? `unknown option ${first}` : `unknown command "${first}"`);
  }
}

function parse<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    // Node's messages go on with advice about `--`; the first sentence says what is wrong.
    const message = error instanceof Error ? error.message : String(error);
    throw new UsageError((/^.*?\.(?=\s|$)/.exec(message)?.[0] ?? message).replace(/\.$/, ''));
  }
}

function serverUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--url must be an http(s) URL, not "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError(`--url must be an http(s) URL, not "${value}"`);
  return value;
}

function port(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65_535) throw new UsageError(`--port must be 0 to 65535, not "${value}"`);
  return n;
}
