/**
 * A cheap abort flag for the core's own cancellation: an app interrupted by hangup or transfer,
 * an originate cancelled by its A leg, a leg that lost the race.
 *
 * Node's AbortController/AbortSignal are EventTargets: creating one, adding and removing listeners
 * and dispatching 'abort' cost several objects and microseconds each, and a call made a dozen of
 * them. `CallAbort` is a plain object with the reading surface the core and its apps use
 * (`aborted`, `reason`, `addEventListener/removeEventListener('abort', fn)`: the `AbortLike`
 * interface, which a real AbortSignal also satisfies), and makes a real AbortSignal only when
 * someone reads `.signal` (an endpoint or app that hands it to a Node API).
 *
 * Semantics follow AbortSignal: abort() is idempotent (the first reason wins, undefined becomes an
 * AbortError DOMException); listeners run once, in registration order; a listener added during
 * dispatch or after the abort never runs; a listener that throws is logged and the others still run.
 */
import { logger } from '../util/logger';

/** What the core needs from an abort signal: a real AbortSignal or a CallAbort. */
export interface AbortLike {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', fn: () => void, opts?: { once?: boolean }): void;
  removeEventListener(type: 'abort', fn: () => void): void;
}

type Fn = () => void;

export class CallAbort implements AbortLike {
  aborted = false;
  reason: unknown = undefined;
  /** Listeners; undefined until the first one (most aborts never get one or never fire). */
  private fns: Fn[] | undefined;
  /** The real signal, made on the first `.signal` read. */
  private real: AbortController | undefined;

  /** Abort unless already aborted; runs the listeners, then aborts the real signal if one exists. */
  abort(reason?: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason === undefined ? new DOMException('This operation was aborted', 'AbortError') : reason;
    const fns = this.fns;
    this.fns = undefined;
    if (fns) {
      for (let i = 0; i < fns.length; i++) {
        try {
          fns[i]!();
        } catch (err) {
          logger.error({ err }, 'abort listener threw');
        }
      }
    }
    this.real?.abort(this.reason);
  }

  addEventListener(_type: 'abort', fn: Fn): void {
    if (this.aborted) return;
    const fns = this.fns;
    if (!fns) this.fns = [fn];
    else if (!fns.includes(fn)) fns.push(fn);
  }

  removeEventListener(_type: 'abort', fn: Fn): void {
    const fns = this.fns;
    if (!fns) return;
    const i = fns.indexOf(fn);
    if (i >= 0) fns.splice(i, 1);
  }

  /**
   * Abort this one when `parent` aborts (with the parent's reason, or `reason` when given).
   * Returns the listener to pass to `parent.removeEventListener` when the link ends, or undefined
   * when there is no parent or it had already aborted (this one is then aborted at once).
   */
  follow(parent: AbortLike | undefined, reason?: unknown): Fn | undefined {
    if (!parent) return undefined;
    if (parent.aborted) {
      this.abort(reason === undefined ? parent.reason : reason);
      return undefined;
    }
    const fn = (): void => this.abort(reason === undefined ? parent.reason : reason);
    parent.addEventListener('abort', fn, { once: true });
    return fn;
  }

  /** A real AbortSignal with the same state (made once, on demand). */
  get signal(): AbortSignal {
    if (!this.real) {
      this.real = new AbortController();
      if (this.aborted) this.real.abort(this.reason);
    }
    return this.real.signal;
  }
}
