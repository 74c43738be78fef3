import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { onTestFinished } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliProcess {
  child: ChildProcessWithoutNullStreams;
  /** Everything written so far. */
  readonly stdout: string;
  readonly stderr: string;
  /** Resolves with the first match of `pattern` in stdout, as soon as it has been written. */
  waitForStdout(pattern: RegExp): Promise<RegExpMatchArray>;
  /** Resolves once the process has exited and its output is closed. */
  result: Promise<CliResult>;
}

/**
 * Runs `streamforge` as installed (`node dist/cli/main.js …`, built from the sources by test/global-setup.ts) in its own process, with
 * stdout and stderr on pipes (not terminals), and without the STREAMFORGE_* settings of the test's own
 * environment.
 */
export function spawnCli(args: string[], env: Record<string, string> = {}): CliProcess {
  const child = spawn(process.execPath, ['dist/cli/main.js', ...args], {
    cwd: ROOT,
    env: { ...process.env, STREAMFORGE_URL: '', STREAMFORGE_TOKEN: '', ...env },
  });
  // Stopped when the test that started it finishes, passed or failed: no process outlives its test.
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const result = new Promise<CliResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return {
    child,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    waitForStdout(pattern) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(stdout);
          if (!match) return;
          child.stdout.off('data', check);
          resolve(match);
        };
        child.stdout.on('data', check);
        void result.then(() => reject(new Error(`exited before writing ${pattern}:\n${stdout}\n${stderr}`)));
        check();
      });
    },
    result,
  };
}

/** Runs `streamforge` to its end. */
export function runCli(args: string[], env?: Record<string, string>): Promise<CliResult> {
  return spawnCli(args, env).result;
}
