import type { DoneEvent, ErrorEvent, RunEvent, StartEvent, ToolCallEvent } from '../protocol/index.js';

/** A whole run folded into what a one-document reply needs: its start, its text and how it ended. */
export interface FoldedAnswer {
  start?: StartEvent;
  content: string;
  /** Calls of the client's tools (stateless OpenAI completions). */
  toolCalls: ToolCallEvent[];
  /** Undefined while the run goes on (or when the reader stopped before its end). */
  end?: DoneEvent | ErrorEvent;
}

/** Why a one-document reply has no answer to show: the run's error, or a run that did not end. */
export interface AnswerFailure {
  code: string;
  message: string;
}

export function emptyAnswer(): FoldedAnswer {
  return { content: '', toolCalls: [] };
}

/** Adds one event to the answer (in place). Progress, sources and components have no part in it. */
export function foldAnswer(answer: FoldedAnswer, event: RunEvent): FoldedAnswer {
  if (event.type === 'token') answer.content += event.delta;
  else if (event.type === 'start') answer.start = event;
  else if (event.type === 'tool_call') answer.toolCalls.push(event);
  else if (event.type === 'done' || event.type === 'error') answer.end = event;
  return answer;
}

/** The run's end when it finished, else why there is no answer to show. */
export function finishedOrFailure(answer: FoldedAnswer): DoneEvent | AnswerFailure {
  if (answer.end?.type === 'done') return answer.end;
  if (answer.end?.type === 'error') return { code: answer.end.code, message: answer.end.message };
  return { code: 'cancelled', message: 'The run ended before it finished.' };
}
