// The system clock: the one place in core that reads the wall clock.
import type { Clock } from '../ports.js';

/** The runtime's wall clock (`new Date()`); inject it in apps, a ManualClock in tests. */
export function createSystemClock(): Clock {
  return { now: () => new Date() };
}
