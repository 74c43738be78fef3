import { describe, expect, it } from 'vitest';
import { type Frame, nativeSseFormat, sseFrames, uiMessageFormat } from '../../formats/index.js';
import type { LoggedEvent, RunEvent } from '../../protocol/index.js';
import { TEST_START } from '../../protocol/test-events.js';
import type { FrameChannel } from './frame-channel.js';
import { framedSink } from './framed-sink.js';

/** A channel that keeps what it is sent as SSE text; `room` frames fit before it is full. */
function recordingChannel(room = Number.POSITIVE_INFINITY) {
  const state = { text: '', sent: 0, ended: false, destroyed: false };
  const channel: FrameChannel = {
    gone: new AbortController().signal,
    send(frames: readonly Frame[]) {
      state.text += sseFrames(frames);
      state.sent += frames.length;
      return state.sent < room;
    },
    writable: async () => {},
    end() {
      state.ended = true;
    },
    destroy() {
      state.destroyed = true;
    },
  };
  return { channel, state };
}

const logged = (id: number, event: RunEvent): LoggedEvent => ({
  id,
  type: event.type,
  data: JSON.stringify(event),
});
const start = TEST_START;

describe('framedSink', () => {
  it('writes a native stream byte for byte: opening retry, events, ping, then the shutdown notice', () => {
    const { channel, state } = recordingChannel();
    const sink = framedSink(channel, nativeSseFormat('run_1', { retryMs: 1000 }), 15_000);
    expect(sink.heartbeatMs).toBe(15_000);
    expect(sink.write([logged(1, start), logged(2, { type: 'token', delta: 'Hi' })])).toBe('written');
    sink.heartbeat();
    sink.shutdown(2);
    expect(state.text).toBe(
      'retry: 1000\n\n' +
        `id: 1\nevent: start\ndata: ${JSON.stringify(start)}\n\n` +
        'id: 2\nevent: token\ndata: {"type":"token","delta":"Hi"}\n\n' +
        ': ping\n\n' +
        'retry: 1000\nevent: reconnect\ndata: {"type":"reconnect","run_id":"run_1","after":2,"url":"/v1/runs/run_1/events"}\n\n',
    );
    expect(state.ended).toBe(true);
  });

  it('says idle for events the format has no form for, full when the channel is, and ends with the trailer', () => {
    const { channel, state } = recordingChannel(3);
    const sink = framedSink(channel, uiMessageFormat(), 15_000);
    // A component update for a component the client never saw: nothing to send.
    expect(
      sink.write([
        logged(1, { type: 'component', op: 'rows', id: 'table-9', kind: 'table', rows: [{ a: 1 }] }),
      ]),
    ).toBe('idle');
    expect(sink.write([logged(2, start)])).toBe('written');
    expect(sink.write([logged(3, { type: 'token', delta: 'x' })])).toBe('full');
    sink.end();
    expect(state.text.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(state.ended).toBe(true);
    sink.abort();
    expect(state.destroyed).toBe(true);
  });
});
