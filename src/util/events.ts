/**
 * Typed events with safe emit (architecture.md habit 11): a listener that throws is logged and
 * never unwinds the emitter's caller.
 *
 * Listeners live in one array per event in a plain record (no Map and Set per emitter and event:
 * channels, call legs and RTP sessions each have one, and a call adds and removes a handful of
 * listeners per leg). A listener is registered once however often it is added; emit calls the
 * listeners registered when it started (one added meanwhile is not called, one removed meanwhile
 * still is). Removal during an emit copies the array (copy-on-write), so emit iterates without
 * copying.
 */
import { logger } from './logger';

type Listener<A extends unknown[]> = (...args: A) => void;
type AnyListener = (...args: never[]) => void;

export class TypedEmitter<Events extends { [K in keyof Events]: unknown[] }> {
  private lists: Partial<Record<keyof Events, AnyListener[]>> = {};
  /** Emits in progress (any event): removal copies the array only while one runs. */
  private emitting = 0;

  on<K extends keyof Events>(event: K, fn: Listener<Events[K]>): () => void {
    this.add(event, fn);
    return () => this.off(event, fn);
  }

  /** on() without making the remover (the caller keeps `fn` and calls off). */
  add<K extends keyof Events>(event: K, fn: Listener<Events[K]>): void {
    const l = this.lists[event];
    const f = fn as unknown as AnyListener;
    if (!l) this.lists[event] = [f];
    else if (!l.includes(f)) l.push(f);
  }

  once<K extends keyof Events>(event: K, fn: Listener<Events[K]>): () => void {
    const off = this.on(event, ((...args: Events[K]) => {
      off();
      fn(...args);
    }) as Listener<Events[K]>);
    return off;
  }

  off<K extends keyof Events>(event: K, fn: Listener<Events[K]>): void {
    const l = this.lists[event];
    if (!l) return;
    const i = l.indexOf(fn as unknown as AnyListener);
    if (i < 0) return;
    if (l.length === 1) this.lists[event] = undefined;
    else if (this.emitting === 0) l.splice(i, 1);
    // Copy-on-write: an emit in progress keeps iterating the array it started with.
    else this.lists[event] = l.slice(0, i).concat(l.slice(i + 1));
  }

  emit<K extends keyof Events>(event: K, ...args: Events[K]): void {
    const l = this.lists[event];
    if (!l) return;
    // Listeners added during this emit are pushed past `n` (or into a new array): not called.
    this.emitting++;
    try {
      for (let i = 0, n = l.length; i < n; i++) {
        try {
          (l[i] as unknown as Listener<Events[K]>)(...args);
        } catch (err) {
          logger.error({ err, event: String(event) }, 'event listener threw');
        }
      }
    } finally {
      this.emitting--;
    }
  }

  listenerCount<K extends keyof Events>(event: K): number {
    return this.lists[event]?.length ?? 0;
  }

  removeAllListeners(): void {
    this.lists = {};
  }
}
