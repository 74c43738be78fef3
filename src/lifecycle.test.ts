import { describe, expect, it } from 'vitest';
import { Lifecycle } from './lifecycle.js';

describe('Lifecycle', () => {
  it('takes a shutdown listener per open stream without a leak warning (regression: warned at 11 streams)', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      const lifecycle = new Lifecycle();
      let told = 0;
      for (let i = 0; i < 1000; i++) lifecycle.signal.addEventListener('abort', () => told++, { once: true });
      // Warnings are emitted on a later tick.
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).toEqual([]);
      expect(lifecycle.shuttingDown).toBe(false);
      lifecycle.begin();
      expect(told).toBe(1000);
      expect(lifecycle.shuttingDown).toBe(true);
    } finally {
      process.off('warning', onWarning);
    }
  });
});
