import { describe, expect, it } from 'vitest';
import { DEFAULT_URL, parseCommandLine } from './parse-command-line.js';
import { UsageError } from './usage-error.js';

const parse = (argv: string[], env: Record<string, string | undefined> = {}) => parseCommandLine(argv, env);
const usageError = (argv: string[]) => {
  try {
    parse(argv);
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
  throw new Error(`no UsageError for ${argv.join(' ')}`);
};

describe('parseCommandLine', () => {
  it('reads chat with every option', () => {
    expect(
      parse([
        'chat',
        'top 5 products',
        '--url',
        'http://sf.example:9000',
        '--model',
        'openai:gpt-4o-mini',
        '--conversation',
        'conv_1',
        '--token',
        'sk-1',
        '--json',
      ]),
    ).toEqual({
      name: 'chat',
      question: 'top 5 products',
      url: 'http://sf.example:9000',
      model: 'openai:gpt-4o-mini',
      conversationId: 'conv_1',
      token: 'sk-1',
      json: true,
    });
  });

  it('takes the URL and token from the environment, and the default URL without either', () => {
    expect(parse(['chat', 'hi'])).toEqual({ name: 'chat', question: 'hi', url: DEFAULT_URL, json: false });
    const env = { STREAMFORGE_URL: 'https://sf.example', STREAMFORGE_TOKEN: 'sk-env' };
    expect(parse(['chat', 'hi'], env)).toMatchObject({ url: 'https://sf.example', token: 'sk-env' });
    expect(parse(['ingest', 'a.md', '--url', 'http://other:1', '--token', 'sk-flag'], env)).toEqual({
      name: 'ingest',
      files: ['a.md'],
      url: 'http://other:1',
      token: 'sk-flag',
    });
  });

  it('joins unquoted words into one question', () => {
    expect(parse(['chat', 'top', '5', 'products'])).toMatchObject({ question: 'top 5 products' });
  });

  it('reads serve with its port and host', () => {
    expect(parse(['serve'])).toEqual({ name: 'serve' });
    expect(parse(['serve', '--port', '0', '--host', '0.0.0.0'])).toEqual({
      name: 'serve',
      port: 0,
      host: '0.0.0.0',
    });
  });

  it('knows help and version in every spelling', () => {
    for (const argv of [
      ['help'],
      ['--help'],
      ['-h'],
      ['chat', '--help'],
      ['ingest', '-h'],
      ['serve', '--help'],
    ])
      expect(parse(argv)).toEqual({ name: 'help' });
    expect(parse(['--version'])).toEqual({ name: 'version' });
    expect(parse(['-v'])).toEqual({ name: 'version' });
  });

  it('refuses what it cannot run, saying what is wrong', () => {
    expect(usageError([])).toBe('missing command');
    expect(usageError(['frob'])).toBe('unknown command "frob"');
    expect(usageError(['--frob'])).toBe('unknown option --frob');
    expect(usageError(['chat'])).toMatch(/^missing question/);
    expect(usageError(['chat', '   '])).toMatch(/^missing question/);
    expect(usageError(['chat', 'hi', '--frob'])).toMatch(/--frob/);
    expect(usageError(['chat', 'hi', '--url'])).toMatch(/--url/);
    expect(usageError(['chat', 'hi', '--url', 'ftp://x'])).toMatch(/^--url must be an http\(s\) URL/);
    expect(usageError(['chat', 'hi', '--url', 'nope'])).toMatch(/^--url must be an http\(s\) URL/);
    expect(usageError(['ingest'])).toMatch(/^missing files/);
    expect(usageError(['serve', '--port', '70000'])).toMatch(/^--port must be 0 to 65535/);
    expect(usageError(['serve', '--port', '8e3'])).toMatch(/^--port must be 0 to 65535/);
    expect(usageError(['serve', 'now'])).toBe('unexpected argument "now"');
  });
});
