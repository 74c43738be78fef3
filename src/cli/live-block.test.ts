import { describe, expect, it } from 'vitest';
import { LiveBlock } from './live-block.js';
import { TestTerminal } from './test-terminal.js';

describe('LiveBlock', () => {
  it('moves up over its last drawing and clears below before drawing again', () => {
    const terminal = new TestTerminal();
    const block = new LiveBlock(terminal);
    block.draw(['one']);
    block.draw(['one', 'two']);
    block.draw(['ONE', 'TWO', 'THREE']);
    expect(terminal.writes).toEqual([
      '\r\x1b[0Jone\n',
      '\r\x1b[1A\x1b[0Jone\ntwo\n',
      '\r\x1b[2A\x1b[0JONE\nTWO\nTHREE\n',
    ]);
  });

  it('leaves the screen with only the last drawing, below what was there, and a shorter one leaves no trace', () => {
    const terminal = new TestTerminal();
    terminal.write('before\n');
    const block = new LiveBlock(terminal);
    block.draw(['a', 'b', 'c']);
    block.draw(['x']);
    expect(terminal.screen).toEqual(['before', 'x']);
  });

  it('after commit, draws a new block below the old one instead of over it', () => {
    const terminal = new TestTerminal();
    const block = new LiveBlock(terminal);
    block.draw(['first']);
    block.commit();
    block.draw(['second']);
    block.draw(['second, again']);
    expect(terminal.screen).toEqual(['first', 'second, again']);
  });
});
