// Review PoC: the README promises "Rows are kept as JSON text, as a database would (every read returns a fresh
// copy)". Since 0af0919 the store keeps and returns the objects themselves; a reader changing what it read
// changes the stored row (and every later read).
import { sampleSessionState } from '@acp/core/contracts';
import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '../src/index.js';

describe('review: @acp/store-memory reads', () => {
  it('every read returns a fresh copy (README): changing a read session does not change the next read', async () => {
    const store = createMemoryStore();
    const committed = await store.commit({
      session: sampleSessionState('cs_fresh_1'),
      expectedVersion: null,
    });
    expect(committed.ok).toBe(true);
    const first = await store.getSession('cs_fresh_1');
    first!.state.totals.total = 999_999;
    const second = await store.getSession('cs_fresh_1');
    expect(second!.state.totals.total).toBe(0);
  });
});
