import { createClient, type MessageState } from '../client/index.js';
import { ChatView } from './chat-view.js';
import { ExitCode } from './exit-code.js';
import type { Command } from './parse-command-line.js';
import { reportError } from './report-error.js';
import type { CliIo } from './terminal-output.js';

/**
 * `streamforge chat`: asks the question and renders the answer as it streams (or, with `--json`, prints
 * the final message state). The first Ctrl-C cancels the run on the server and waits for it to end; a
 * second one stops waiting.
 */
export async function chatCommand(command: Extract<Command, { name: 'chat' }>, io: CliIo): Promise<number> {
  const client = createClient({ baseUrl: command.url, token: command.token });
  const stream = client.chat({
    message: command.question,
    ...(command.model ? { model: command.model } : {}),
    ...(command.conversationId ? { conversation_id: command.conversationId } : {}),
  });
  const view = command.json ? null : new ChatView(io.stdout, io.stderr);
  const unsubscribe = view ? stream.subscribe((state) => view.update(state)) : () => {};
  let interrupted = false;
  const stopListening = io.onInterrupt(() => {
    if (interrupted) return stream.close();
    interrupted = true;
    // The cancel request failed (the server is gone?): stop waiting for an end that may not come.
    stream.cancel().catch(() => stream.close());
  });

  let state: MessageState;
  try {
    state = await stream.done;
  } catch (error) {
    view?.finish(stream.state);
    if (interrupted) {
      io.stderr.write('interrupted\n');
      return ExitCode.interrupted;
    }
    return reportError(error, command.url, io.stderr);
  } finally {
    unsubscribe();
    stopListening();
  }

  if (view) view.finish(state);
  else io.stdout.write(`${JSON.stringify(state, null, 2)}\n`);
  if (interrupted) {
    io.stderr.write(state.status === 'cancelled' ? 'cancelled: interrupted by Ctrl-C\n' : 'interrupted\n');
    return ExitCode.interrupted;
  }
  if (state.status === 'failed') {
    io.stderr.write(`error ${state.error?.code ?? 'failed'}: ${state.error?.message ?? 'the run failed'}\n`);
    return ExitCode.failed;
  }
  if (state.status === 'cancelled') {
    io.stderr.write('cancelled: the run was cancelled before it finished\n');
    return ExitCode.failed;
  }
  return ExitCode.ok;
}
