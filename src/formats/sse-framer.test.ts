import { describe, expect, it } from 'vitest';
import { DONE_FRAME, PING_FRAME } from './frame.js';
import { sseFrame, sseFrames } from './sse-framer.js';

describe('sseFrame', () => {
  it('writes id, event and data in that order, ending with a blank line', () => {
    expect(sseFrame({ id: 7, event: 'token', data: '{"type":"token","delta":"Hi"}' })).toBe(
      'id: 7\nevent: token\ndata: {"type":"token","delta":"Hi"}\n\n',
    );
  });

  it('writes a comment, a retry and an event without id', () => {
    expect(sseFrame(PING_FRAME)).toBe(': ping\n\n');
    expect(sseFrame({ retry: 1000 })).toBe('retry: 1000\n\n');
    expect(sseFrame({ retry: 1000, event: 'reconnect', data: '{"after":3}' })).toBe(
      'retry: 1000\nevent: reconnect\ndata: {"after":3}\n\n',
    );
  });

  it('serialises a value as JSON and leaves text as it is', () => {
    expect(sseFrame({ data: { a: 'é', n: 1 } })).toBe('data: {"a":"é","n":1}\n\n');
    expect(sseFrame({ data: 'word' })).toBe('data: word\n\n');
    expect(sseFrame(DONE_FRAME)).toBe('data: [DONE]\n\n');
  });

  it('puts each line of a payload on a data line of its own, so a line break cannot end the event', () => {
    expect(sseFrame({ event: 'x', data: 'one\ntwo\n' })).toBe('event: x\ndata: one\ndata: two\ndata: \n\n');
  });
});

describe('sseFrames', () => {
  it('concatenates frames in order', () => {
    expect(sseFrames([{ data: 'a' }, PING_FRAME, { data: 'b' }])).toBe('data: a\n\n: ping\n\ndata: b\n\n');
    expect(sseFrames([])).toBe('');
  });
});
