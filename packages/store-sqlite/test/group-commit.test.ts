// Group commit (src/group-sync.ts): a durable write resolves only after an fsync of the WAL that STARTED after
// the write returned, and writes that arrive together share one fsync, off the event loop. The file calls are
// Node's own, observed through a wrapper (nothing is faked: every fsync really runs).
import { closeSync, fsync, mkdtempSync, open, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LATEST_API_VERSION } from '@acp/core';
import { createTestCheckout } from '@acp/core/testing';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createWalSync, type WalSyncIo } from '../src/group-sync.js';
import { createSqliteStore } from '../src/index.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'acp-group-commit-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Node's fs calls, with every fsync's start and end recorded in one sequence of events. */
function observedIo() {
  const events: string[] = [];
  let n = 0;
  const io: WalSyncIo = {
    open,
    closeSync,
    fsync: ((fd: number, cb: (e: NodeJS.ErrnoException | null) => void) => {
      const id = ++n;
      events.push(`start ${id}`);
      fsync(fd, (e) => {
        events.push(`end ${id}`);
        cb(e);
      });
    }) as typeof fsync,
  };
  return { io, events, count: () => n };
}

describe('WAL group sync', () => {
  it('every caller waits for an fsync that started after its call; callers that arrive together share one', async () => {
    const wal = join(tempDir(), 'db-wal');
    writeFileSync(wal, 'frames');
    const { io, events, count } = observedIo();
    const sync = createWalSync(wal, io);
    const calls = 50;
    const done = Array.from({ length: calls }, (_, i) => {
      events.push(`call ${i}`);
      return sync.afterCommit().then(() => events.push(`resolved ${i}`));
    });
    await Promise.all(done);
    // The first call starts a sync; the 49 others arrive while it runs and share the next one.
    expect(count()).toBe(2);
    for (let i = 0; i < calls; i++) {
      const called = events.indexOf(`call ${i}`);
      const resolved = events.indexOf(`resolved ${i}`);
      // Some fsync started after the call and ended before the caller was told.
      const covered = events.some(
        (e, at) => e.startsWith('start ') && at > called && events.indexOf(`end ${e.slice(6)}`) < resolved,
      );
      expect(covered, `call ${i}: ${events.join(', ')}`).toBe(true);
    }
    sync.close();
  });

  it('syncs asked for before the WAL is deleted (a closing last connection checkpoints it away) still succeed', async () => {
    const wal = join(tempDir(), 'db-wal');
    writeFileSync(wal, 'frames');
    // Node's calls, the open a little late (as on a busy thread pool): it must not be needed after the delete.
    const io: WalSyncIo = {
      open: ((path: string, flags: string, cb: (e: NodeJS.ErrnoException | null, fd: number) => void) =>
        setTimeout(() => open(path, flags, cb), 20)) as unknown as typeof open,
      fsync,
      closeSync,
    };
    const sync = createWalSync(wal, io);
    const first = sync.afterCommit();
    const second = sync.afterCommit(); // queued behind the first
    rmSync(wal); // SQLite's close: checkpoint, then delete the WAL
    sync.close();
    await expect(Promise.all([first, second])).resolves.toEqual([undefined, undefined]);
  });

  it('a failing fsync fails the waiting writes (never a silent success), and the next write tries again', async () => {
    const wal = join(tempDir(), 'db-wal');
    writeFileSync(wal, 'frames');
    let fail = true;
    const io: WalSyncIo = {
      open,
      closeSync,
      fsync: ((fd: number, cb: (e: NodeJS.ErrnoException | null) => void) =>
        fail
          ? cb(Object.assign(new Error('EIO: i/o error'), { code: 'EIO' }))
          : fsync(fd, cb)) as typeof fsync,
    };
    const sync = createWalSync(wal, io);
    await expect(sync.afterCommit()).rejects.toThrow(/EIO/);
    fail = false;
    await expect(sync.afterCommit()).resolves.toBeUndefined();
    sync.close();
    await expect(sync.afterCommit()).rejects.toThrow(/closed/);
  });
});

describe('SQLite store durability settings', () => {
  it('FULL (default) on a file: the connection commits without its own fsync and writes wait for the group sync', async () => {
    const filename = join(tempDir(), 'checkout.db');
    const store = createSqliteStore({ filename });
    // 1 = NORMAL: SQLite does not sync inside COMMIT; the store awaits the WAL fsync instead.
    expect(store.database.pragma('synchronous', { simple: true })).toBe(1);
    expect(store.database.pragma('journal_mode', { simple: true })).toBe('wal');
    const t = createTestCheckout({ store });
    const r = await t.service.createSession(
      {
        currency: 'usd',
        line_items: [{ id: 'mug_classic', quantity: 1 }],
        capabilities: { interventions: { supported: [] } },
      },
      { caller: 'agent', apiVersion: LATEST_API_VERSION, idempotencyKey: 'k1' },
    );
    expect(r.status).toBe(201);
    store.close();
    // What was answered is in the file.
    const db = new Database(filename, { readonly: true });
    expect(db.prepare('SELECT count(*) AS n FROM acp_checkout_sessions').get()).toEqual({ n: 1 });
    db.close();
  });

  it('NORMAL never waits for the disk; an in-memory database keeps SQLite FULL (no WAL file to sync)', () => {
    const normal = createSqliteStore({ filename: join(tempDir(), 'n.db'), synchronous: 'NORMAL' });
    expect(normal.database.pragma('synchronous', { simple: true })).toBe(1);
    normal.close();
    const memory = createSqliteStore({ filename: ':memory:' });
    expect(memory.database.pragma('synchronous', { simple: true })).toBe(2);
    memory.close();
  });
});
