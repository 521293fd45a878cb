/** Waiting helpers for apps: time comes from the core's Clock, interruption from the app's signal. */
import type { AbortLike } from '../core';
import type { Clock } from '../util/clock';

/** Wait `ms` on `clock`. Resolves true when the time elapsed, false when `signal` aborted first. */
export function waitFor(clock: Clock, ms: number, signal: AbortLike): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise<boolean>((resolve) => {
    const onAbort = (): void => {
      timer.cancel();
      resolve(false);
    };
    const timer = clock.setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, Math.max(0, ms));
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Resolves when `signal` aborts. */
export function untilAborted(signal: AbortLike): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
