import { describe, expect, it } from 'vitest';
import { nativeWsFormat, wsEventText } from './native-ws-format.js';

describe('wsEventText', () => {
  it('appends run_id and id to the event JSON, byte for byte', () => {
    const frame = wsEventText({ id: 7, type: 'token', data: '{"type":"token","delta":"Hi"}' }, 'run_a');
    expect(frame).toBe('{"type":"token","delta":"Hi","run_id":"run_a","id":7}');
  });

  it('keeps the one run_id a start event already carries', () => {
    const data = JSON.stringify({ type: 'start', run_id: 'run_a', conversation_id: 'conv_b' });
    const frame = wsEventText({ id: 1, type: 'start', data }, 'run_a', 'req-1');
    expect(frame).toBe(
      '{"type":"start","run_id":"run_a","conversation_id":"conv_b","id":1,"request_id":"req-1"}',
    );
  });

  it('escapes a request id as a JSON string', () => {
    const frame = wsEventText({ id: 3, type: 'token', data: '{"type":"token","delta":""}' }, 'run_a', 'a"b');
    expect(JSON.parse(frame)).toEqual({
      type: 'token',
      delta: '',
      run_id: 'run_a',
      id: 3,
      request_id: 'a"b',
    });
  });
});

describe('nativeWsFormat', () => {
  it('echoes the request id on the first message only, and tells where to resume at shutdown', () => {
    const format = nativeWsFormat('run_a', 'req-1');
    const token = { id: 2, type: 'token', data: '{"type":"token","delta":"a"}' } as const;
    expect(format.encode(token)).toEqual([
      { data: '{"type":"token","delta":"a","run_id":"run_a","id":2,"request_id":"req-1"}' },
    ]);
    expect(format.encode({ ...token, id: 3 })).toEqual([
      { data: '{"type":"token","delta":"a","run_id":"run_a","id":3}' },
    ]);
    expect(format.shutdown(3)).toEqual([
      { data: { type: 'reconnect', run_id: 'run_a', after: 3, url: '/v1/runs/run_a/events' } },
    ]);
  });
});
