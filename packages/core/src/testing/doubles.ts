// Test doubles for the clock, ids and events ports: deterministic, for tests and offline demos.
import type { DomainEvent } from '../domain.js';
import type { Clock, EventSinkV1, Ids } from '../ports.js';

// ------------------------------------------------------------------------------------------ clock, ids, events

export interface ManualClock extends Clock {
  set(date: Date | string): void;
  advance(ms: number): void;
}

/** A clock that only moves when told to (tests). */
export function createManualClock(start: Date | string = '2026-11-24T12:00:00.000Z'): ManualClock {
  let t = new Date(start).getTime();
  return {
    now: () => new Date(t),
    set(d) {
      t = new Date(d).getTime();
    },
    advance(ms) {
      t += ms;
    },
  };
}

/** Sequential ids (`cs_test_0001`, `ord_test_0001`) with an optional prefix; deterministic for tests. */
export function createSequentialIds(prefix = 'test'): Ids {
  let s = 0;
  let o = 0;
  return {
    sessionId: () => `cs_${prefix}_${String(++s).padStart(4, '0')}`,
    orderId: () => `ord_${prefix}_${String(++o).padStart(4, '0')}`,
  };
}

export interface MemoryEventSink extends EventSinkV1 {
  readonly events: DomainEvent[];
}

export function createMemoryEventSink(): MemoryEventSink {
  const events: DomainEvent[] = [];
  return {
    version: 1,
    events,
    emit(event) {
      events.push(structuredClone(event));
    },
  };
}
