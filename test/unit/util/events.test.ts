import { describe, expect, it } from 'vitest';
import { TypedEmitter } from '../../../src/util/events';

type Ev = { a: [number]; b: []; [key: string]: unknown[] };

describe('TypedEmitter (one array per event)', () => {
  it('on/off/once, duplicates registered once, listenerCount', () => {
    const e = new TypedEmitter<Ev>();
    const seen: string[] = [];
    const f = (n: number): void => void seen.push(`f${n}`);
    const off = e.on('a', f);
    e.on('a', f);
    e.once('a', (n) => seen.push(`once${n}`));
    expect(e.listenerCount('a')).toBe(2);
    e.emit('a', 1);
    e.emit('a', 2);
    off();
    e.emit('a', 3);
    expect(seen).toEqual(['f1', 'once1', 'f2']);
    expect(e.listenerCount('a')).toBe(0);
    e.emit('b');
  });

  it('emit calls the listeners registered when it started', () => {
    const e = new TypedEmitter<Ev>();
    const seen: string[] = [];
    const late = (): void => void seen.push('late');
    const second = (): void => void seen.push('second');
    e.on('b', () => {
      seen.push('first');
      e.off('b', second); // removed meanwhile: still called this time
      e.on('b', late); // added meanwhile: not called this time
    });
    e.on('b', second);
    e.emit('b');
    expect(seen).toEqual(['first', 'second']);
    seen.length = 0;
    e.emit('b');
    expect(seen).toEqual(['first', 'late']);
  });

  it('a throwing listener is logged and the others still run; removeAllListeners', () => {
    const e = new TypedEmitter<Ev>();
    let ran = 0;
    e.on('a', () => {
      throw new Error('boom');
    });
    e.on('a', () => void ran++);
    expect(() => e.emit('a', 1)).not.toThrow();
    expect(ran).toBe(1);
    e.removeAllListeners();
    e.emit('a', 1);
    expect(ran).toBe(1);
  });
});
