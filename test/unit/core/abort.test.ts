import { describe, expect, it } from 'vitest';
import { CallAbort } from '../../../src/core/abort';

describe('CallAbort', () => {
  it('aborts once, first reason wins, listeners run once in order', () => {
    const a = new CallAbort();
    const seen: string[] = [];
    const f1 = (): void => void seen.push('1');
    a.addEventListener('abort', f1);
    a.addEventListener('abort', f1); // duplicate ignored, like EventTarget
    a.addEventListener('abort', () => seen.push('2'));
    expect(a.aborted).toBe(false);
    a.abort('LOSE_RACE');
    a.abort('OTHER');
    expect(a.aborted).toBe(true);
    expect(a.reason).toBe('LOSE_RACE');
    expect(seen).toEqual(['1', '2']);
  });

  it('removed listeners and listeners added after the abort do not run', () => {
    const a = new CallAbort();
    let n = 0;
    const f = (): void => void n++;
    a.addEventListener('abort', f);
    a.removeEventListener('abort', f);
    a.abort('x');
    a.addEventListener('abort', f);
    expect(n).toBe(0);
  });

  it('a throwing listener does not stop the others', () => {
    const a = new CallAbort();
    let ran = false;
    a.addEventListener('abort', () => {
      throw new Error('boom');
    });
    a.addEventListener('abort', () => (ran = true));
    a.abort('x');
    expect(ran).toBe(true);
  });

  it('undefined reason becomes an AbortError, as AbortController does', () => {
    const a = new CallAbort();
    a.abort();
    expect((a.reason as DOMException).name).toBe('AbortError');
  });

  it('the real signal is made on demand and follows the state', () => {
    const a = new CallAbort();
    const s = a.signal;
    expect(a.signal).toBe(s);
    let fired = false;
    s.addEventListener('abort', () => (fired = true));
    a.abort('NO_ANSWER');
    expect(s.aborted).toBe(true);
    expect(s.reason).toBe('NO_ANSWER');
    expect(fired).toBe(true);
    const b = new CallAbort();
    b.abort('late');
    expect(b.signal.aborted).toBe(true);
    expect(b.signal.reason).toBe('late');
  });

  it('follow() links to a parent (real AbortSignal or CallAbort)', () => {
    const ctl = new AbortController();
    const child = new CallAbort();
    const fn = child.follow(ctl.signal);
    expect(fn).toBeTypeOf('function');
    ctl.abort('ORIGINATOR_CANCEL');
    expect(child.reason).toBe('ORIGINATOR_CANCEL');

    const parent = new CallAbort();
    const c2 = new CallAbort();
    const off = c2.follow(parent, 'interrupted')!;
    parent.removeEventListener('abort', off);
    parent.abort('x');
    expect(c2.aborted).toBe(false);

    const done = new CallAbort();
    done.abort('gone');
    const c3 = new CallAbort();
    expect(c3.follow(done)).toBeUndefined();
    expect(c3.reason).toBe('gone');
    expect(new CallAbort().follow(undefined)).toBeUndefined();
  });
});
