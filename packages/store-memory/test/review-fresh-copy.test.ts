// Review PoC (kept): since 0af0919 the store keeps and returns the objects themselves; a reader changing what it
// read changed the stored row (and every later read). Stored objects are now frozen by default.
import { sampleSessionState } from '@acp/core/contracts';
import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../src/index.js';

describe('review: @acp/store-memory reads', () => {
  it('a read cannot change stored data (README): changing a read session throws and the next read is unchanged', async () => {
    const store = createMemoryStore();
    const committed = await store.commit({
      session: sampleSessionState('cs_fresh_1'),
      expectedVersion: null,
    });
    expect(committed.ok).toBe(true);
    const first = await store.getSession('cs_fresh_1');
    expect(() => {
      first!.state.totals.total = 999_999;
    }).toThrow(TypeError);
    const second = await store.getSession('cs_fresh_1');
    expect(second!.state.totals.total).toBe(0);
  });
});
