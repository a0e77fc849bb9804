// Group commit for SQLite in WAL mode. With `synchronous=FULL`, SQLite fsyncs the WAL inside every COMMIT: on
// the event loop (better-sqlite3 is synchronous), once per transaction. Instead the connection commits with
// `synchronous=NORMAL` (frames written to the WAL, not yet synced) and a write that must survive power loss
// awaits `afterCommit()`: one fsync of the WAL file, on libuv's thread pool, that starts after the commit
// returned. Commits that arrive while a sync runs share the next one. The durability is FULL's (nothing is
// answered before the WAL holding it is on disk: fsync covers everything written to the file, by any
// connection, before it starts), at one fsync per batch and without blocking the event loop.
//
// The WAL file keeps its inode while any connection has the database open (SQLite resets or truncates it in
// place; only the last connection's close deletes it), so one descriptor, opened on first use, stays valid.
import { closeSync, fsync, open, openSync } from 'node:fs';

export interface WalSync {
  /** Resolves once an fsync of the WAL that started after this call completed. */
  afterCommit(): Promise<void>;
  /**
   * Resolves once every commit `afterCommit` was called for is on disk (at once when none waits): what a read
   * or a replay waits for before it answers with data this process committed.
   */
  settled(): Promise<void>;
  /** Refuses new commits; the syncs already asked for still run, then the descriptor is closed. */
  close(): void;
}

function openNow(path: string): Promise<number> | undefined {
  try {
    return Promise.resolve(openSync(path, 'r'));
  } catch {
    return undefined; // not there yet: opened on the first sync
  }
}

/** The file calls the group commit makes (Node's, or a wrapper that observes them in tests). */
export interface WalSyncIo {
  open: typeof open;
  fsync: typeof fsync;
  closeSync: typeof closeSync;
}
const NODE_IO: WalSyncIo = { open, fsync, closeSync };

export function createWalSync(walPath: string, io: WalSyncIo = NODE_IO): WalSync {
  // Opened now when the WAL exists (after the store's first write, migrations included): the descriptor then
  // outlives a close that checkpoints and deletes the file while a sync is still to run.
  let fd: Promise<number> | undefined = openNow(walPath);
  let running: Promise<void> | undefined;
  let queued: Promise<void> | undefined;
  let closed = false;

  const descriptor = () =>
    (fd ??= new Promise<number>((resolve, reject) =>
      io.open(walPath, 'r', (e, n) => (e ? reject(e) : resolve(n))),
    ).catch((e: unknown) => {
      fd = undefined; // try again on the next commit
      throw e;
    }));

  const syncOnce = async (): Promise<void> => {
    const n = await descriptor();
    await new Promise<void>((resolve, reject) => io.fsync(n, (e) => (e ? reject(e) : resolve())));
  };

  /** Commits asked to be synced, and how many of them the last completed fsync covers. */
  let asked = 0;
  let synced = 0;

  function startSync(): Promise<void> {
    const covers = asked;
    return syncOnce().then(() => {
      if (covers > synced) synced = covers;
    });
  }

  /** Waits for an fsync that starts after now (shared by every caller that arrives while one runs). */
  function nextSync(): Promise<void> {
    if (!running) {
      running = startSync().finally(() => {
        running = undefined;
      });
      return running;
    }
    // A sync is running; it may have started before this call: wait for the next one, shared by every caller
    // that arrives meanwhile.
    queued ??= running
      .catch(() => undefined)
      .then(() => {
        queued = undefined;
        return nextSync();
      });
    return queued;
  }

  function afterCommit(): Promise<void> {
    if (closed) return Promise.reject(new Error('The SQLite store is closed.'));
    asked++;
    return nextSync();
  }

  function settled(): Promise<void> {
    return synced >= asked ? Promise.resolve() : nextSync();
  }

  return {
    afterCommit,
    settled,
    close() {
      if (closed) return;
      closed = true;
      const release = () => {
        void fd?.then(io.closeSync, () => undefined).catch(() => undefined);
        fd = undefined;
      };
      const pending = [running, queued].filter((p) => p !== undefined);
      if (pending.length === 0) release();
      else void Promise.allSettled(pending).then(release);
    },
  };
}
