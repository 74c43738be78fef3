import type { FinishReason, OpenaiUsage, Usage } from '../protocol/index.js';

/** `chatcmpl-<run id>`: one completion per run, so the run can be found from the completion. */
export function completionId(runId: string): string {
  return `chatcmpl-${runId}`;
}

export function toOpenaiUsage(usage: Usage): OpenaiUsage {
  return {
    prompt_tokens: usage.input_tokens,
    completion_tokens: usage.output_tokens,
    total_tokens: usage.input_tokens + usage.output_tokens,
  };
}

/** OpenAI has no `cancelled`: a run stopped on request ended normally as far as its text goes. */
export function toOpenaiFinishReason(reason: FinishReason): 'stop' | 'length' | 'tool_calls' {
  return reason === 'cancelled' ? 'stop' : reason;
}
