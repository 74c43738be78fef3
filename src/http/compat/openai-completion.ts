import { runEvent } from '../../protocol/index.js';
import type { RunLog } from '../../runs/index.js';
import {
  completionId,
  type OpenaiChatCompletion,
  toOpenaiFinishReason,
  toOpenaiUsage,
} from './openai-chat-completion.js';

/** Reads a run to its end and folds its events into one `chat.completion`, or the run's error. */
export async function collectOpenaiCompletion(
  log: RunLog,
  o: { runId: string; conversationId: string; created: number; signal: AbortSignal },
): Promise<OpenaiChatCompletion | { code: string; message: string }> {
  let model = '';
  let content = '';
  for await (const batch of log.read(0, o.signal)) {
    for (const logged of batch) {
      const event = runEvent.parse(JSON.parse(logged.data));
      if (event.type === 'start') model = event.model;
      else if (event.type === 'token') content += event.delta;
      else if (event.type === 'error') return { code: event.code, message: event.message };
      else if (event.type === 'done') {
        return {
          id: completionId(o.runId),
          object: 'chat.completion',
          created: o.created,
          model,
          system_fingerprint: null,
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content, refusal: null },
              logprobs: null,
              finish_reason: toOpenaiFinishReason(event.finish_reason),
            },
          ],
          usage: toOpenaiUsage(event.usage),
          streamforge: {
            run_id: o.runId,
            conversation_id: o.conversationId,
            message_id: event.message_id,
            cost_usd: event.usage.cost_usd,
            ...(event.sources ? { sources: event.sources } : {}),
          },
        };
      }
    }
  }
  return { code: 'cancelled', message: 'The run ended before it finished.' };
}
