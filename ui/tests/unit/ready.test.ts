import { afterEach, describe, expect, it } from 'vitest';
import { INTERACTIVE_MARK, markInteractive } from '../../src/lib/ready';

describe('markInteractive', () => {
  afterEach(() => performance.clearMarks(INTERACTIVE_MARK));

  it('marks the first usable screen once, keeping the first time', () => {
    markInteractive();
    const first = performance.getEntriesByName(INTERACTIVE_MARK);
    markInteractive();
    const after = performance.getEntriesByName(INTERACTIVE_MARK);
    expect(first).toHaveLength(1);
    expect(after).toHaveLength(1);
    expect(after[0]?.startTime).toBe(first[0]?.startTime);
  });
});
