import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  type AnswerFailure,
  emptyAnswer,
  type FoldedAnswer,
  foldAnswer,
  runEventOf,
  type WireFormat,
} from '../../formats/index.js';
import type { RateWindow } from '../../limits/index.js';
import type { FollowTarget, RunFollower, RunSink } from '../../runs/index.js';
import type { StartedTurn } from '../../turns/index.js';
import { setRateLimitHeaders } from '../guards/rate-limit-headers.js';
import { problem, sendProblem } from '../problem.js';
import { framedSink } from './framed-sink.js';
import { openSseChannel } from './sse-channel.js';

export interface HttpDeliveryOptions {
  follow: RunFollower;
  /** Idle time before an event stream's keep-alive. */
  keepAliveMs: number;
}

/** What an HTTP route answers a started run with: its budget, and the run as a stream or as one document. */
export interface Answering {
  target: FollowTarget;
  /** The chat budget the turn spent, sent as rate-limit headers on a JSON reply (an event stream has none). */
  budget?: RateWindow;
}

/** A started turn's run, from its first event, with the budget it spent. */
export function answeringOf(started: Pick<StartedTurn, 'run' | 'budget'>): Answering {
  return { target: { id: started.run.id, log: started.run.log, after: 0 }, budget: started.budget };
}

/**
 * How HTTP clients receive runs: as an event stream in their wire format, or as one JSON document folded from
 * the same events. Both follow the run through the one follower, so subscription, disconnect, backpressure and
 * shutdown are handled the same way as on every other transport.
 */
export class HttpDelivery {
  constructor(private readonly o: HttpDeliveryOptions) {}

  /** The run as an event stream in `format`, from `target.after` until it ends or the client goes. */
  async stream(reply: FastifyReply, answering: Answering, format: WireFormat): Promise<void> {
    const channel = openSseChannel(reply, format.headers);
    await this.o.follow(answering.target, framedSink(channel, format, this.o.keepAliveMs));
  }

  /**
   * The run as one document: waits for its end, then answers `project(answer)`, or the run's error as a 502
   * problem. At shutdown, 503 `server_restarting` naming the run, which goes on elsewhere or is stored.
   */
  async document<T>(
    request: FastifyRequest,
    reply: FastifyReply,
    answering: Answering,
    project: (answer: FoldedAnswer) => T | AnswerFailure,
    /** Headers of the 502 a failed run answers with. */
    failureHeaders: Record<string, string> = {},
  ): Promise<FastifyReply> {
    setRateLimitHeaders(reply, 'chat', answering.budget);
    const gone = new AbortController();
    reply.raw.on('close', () => {
      if (!reply.raw.writableFinished) gone.abort();
    });
    const answer = emptyAnswer();
    const end = await this.o.follow(answering.target, foldSink(gone.signal, answer));
    const instance = request.url.split('?')[0];
    if (end === 'unavailable') {
      reply.header('retry-after', '1');
      return sendProblem(
        reply,
        problem(
          503,
          'run_log_unavailable',
          `The run log does not answer right now; run "${answering.target.id}" goes on (GET /v1/runs/${answering.target.id}).`,
          instance,
        ),
      );
    }
    if (end === 'shutdown') {
      reply.header('retry-after', '1');
      return sendProblem(
        reply,
        problem(
          503,
          'server_restarting',
          `The server is restarting before the answer was finished; run "${answering.target.id}" is stored with what was generated (GET /v1/runs/${answering.target.id}).`,
          instance,
        ),
      );
    }
    const result = project(answer);
    if (isFailure(result)) {
      reply.headers(failureHeaders);
      return sendProblem(reply, problem(502, result.code, result.message, instance));
    }
    return reply.send(result);
  }
}

function isFailure(result: unknown): result is AnswerFailure {
  return typeof result === 'object' && result !== null && 'code' in result && 'message' in result;
}

/** A sink that writes nothing: it folds every event into `answer`, for a reply sent once the run ended. */
function foldSink(gone: AbortSignal, answer: FoldedAnswer): RunSink {
  return {
    gone,
    write(batch) {
      for (const event of batch) foldAnswer(answer, runEventOf(event));
      return 'idle';
    },
    writable: async () => {},
    heartbeat() {},
    end() {},
    // The reply is answered by `document` once following returns.
    shutdown() {},
    abort() {},
  };
}
