import { describe, expect, it } from 'vitest';
import { formatWsEvent } from './format-ws-event.js';

describe('formatWsEvent', () => {
  it('appends run_id and id to the event JSON, byte for byte', () => {
    const frame = formatWsEvent({ id: 7, type: 'token', data: '{"type":"token","delta":"Hi"}' }, 'run_a');
    expect(frame).toBe('{"type":"token","delta":"Hi","run_id":"run_a","id":7}');
  });

  it('keeps the one run_id a start event already carries', () => {
    const data = JSON.stringify({ type: 'start', run_id: 'run_a', conversation_id: 'conv_b' });
    const frame = formatWsEvent({ id: 1, type: 'start', data }, 'run_a', 'req-1');
    expect(frame).toBe(
      '{"type":"start","run_id":"run_a","conversation_id":"conv_b","id":1,"request_id":"req-1"}',
    );
  });

  it('escapes a request id as a JSON string', () => {
    const frame = formatWsEvent(
      { id: 3, type: 'token', data: '{"type":"token","delta":""}' },
      'run_a',
      'a"b',
    );
    expect(JSON.parse(frame)).toEqual({
      type: 'token',
      delta: '',
      run_id: 'run_a',
      id: 3,
      request_id: 'a"b',
    });
  });
});
