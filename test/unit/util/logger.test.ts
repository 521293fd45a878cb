import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { lazyChild } from '../../../src/util/logger';

function capture(level: string) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { base: pino({ level }, sink), lines };
}

describe('lazyChild', () => {
  it('makes no pino child for lines below the level, then one child with the bindings', async () => {
    const { base, lines } = capture('warn');
    let children = 0;
    const child = base.child.bind(base);
    base.child = ((b: pino.Bindings, o?: pino.ChildLoggerOptions) => {
      children++;
      return child(b, o);
    }) as unknown as typeof base.child;
    const log = lazyChild(base, { uuid: 'u-1' });
    log.debug({ a: 1 }, 'not written');
    log.info('not written either');
    expect(children).toBe(0);
    log.warn({ a: 2 }, 'written');
    log.error('also written');
    expect(children).toBe(1);
    // pino children inherit from their parent: unpatch before a grandchild is made.
    delete (base as { child?: unknown }).child;
    log.child({ callId: 'c' }).warn('from a grandchild');
    await new Promise((r) => setImmediate(r));
    expect(lines.map((l) => [l.msg, l.uuid, l.a, l.callId])).toEqual([
      ['written', 'u-1', 2, undefined],
      ['also written', 'u-1', undefined, undefined],
      ['from a grandchild', 'u-1', undefined, 'c'],
    ]);
    expect(log.isLevelEnabled('info')).toBe(false);
  });
});
