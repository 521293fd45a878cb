import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../src/util/clock';
import { MediaTimeoutWatch } from '../../../src/media/media-timeout';
import { Pacer } from '../../../src/media/pacer';

describe('MediaTimeoutWatch', () => {
  it('fires once when nothing arrived for the timeout, re-arms when media resumes', () => {
    const clock = new FakeClock();
    let last = 0;
    const fired: number[] = [];
    const w = new MediaTimeoutWatch(clock, () => last, (idle) => fired.push(clock.now()));
    w.configure(1000);
    clock.advance(999);
    expect(fired).toEqual([]);
    clock.advance(1);
    expect(fired).toEqual([1000]);
    clock.advance(5000);
    expect(fired).toEqual([1000]); // once per silence
    last = clock.now(); // media arrives at 6000
    clock.advance(500);
    last = clock.now(); // and at 6500
    clock.advance(999);
    expect(fired.length).toBe(1);
    clock.advance(1);
    expect(fired).toEqual([1000, 7500]);
    w.stop();
    clock.advance(100000);
    expect(fired.length).toBe(2);
    expect(clock.pending()).toBe(0);
  });

  it('packets keep it quiet; reconfigure to 0 disables', () => {
    const clock = new FakeClock();
    let last = 0;
    let fired = 0;
    const w = new MediaTimeoutWatch(clock, () => last, () => fired++);
    w.configure(200);
    for (let i = 0; i < 100; i++) {
      clock.advance(20);
      last = clock.now();
    }
    expect(fired).toBe(0);
    w.configure(0);
    clock.advance(10000);
    expect(fired).toBe(0);
    expect(clock.pending()).toBe(0);
  });
});

describe('Pacer', () => {
  it('ticks once per period without drift and reports (not bursts) ticks missed in a stall', () => {
    const clock = new FakeClock();
    const ticks: [number, number][] = [];
    const p = new Pacer(clock, 20, (now, missed) => ticks.push([now, missed]));
    p.start();
    clock.advance(100);
    expect(ticks).toEqual([[20, 0], [40, 0], [60, 0], [80, 0], [100, 0]]);
    p.stop();
    clock.advance(100);
    expect(ticks.length).toBe(5);
  });

  it('a throwing tick is counted and the pacer keeps going', () => {
    const clock = new FakeClock();
    let n = 0;
    const p = new Pacer(clock, 20, () => {
      n++;
      if (n === 2) throw new Error('bug');
    });
    p.start();
    clock.advance(100);
    p.stop();
    expect(n).toBe(5);
    expect(p.tickErrors).toBe(1);
  });

  it('after an event-loop stall it reports the missed ticks on one tick and re-anchors', () => {
    const fake = new FakeClock();
    let offset = 0;
    // A clock whose now() jumps ahead, as if the loop was blocked for 100 ms during tick 2.
    const clock = { now: () => fake.now() + offset, wallNow: () => fake.wallNow(), setTimeout: fake.setTimeout.bind(fake) };
    const ticks: [number, number][] = [];
    const p = new Pacer(clock, 20, (now, missed) => {
      ticks.push([now, missed]);
      if (ticks.length === 2) offset = 100;
    });
    p.start();
    fake.advance(200);
    p.stop();
    expect(ticks[0]).toEqual([20, 0]);
    expect(ticks[1]).toEqual([40, 0]);
    // The third tick was due at 60; the clock reads 140 when it fires: slots 60..140 are 5 frame
    // times, one is this tick, the other 4 are reported as missed, not replayed back to back.
    expect(ticks[2]).toEqual([140, 4]);
    // Then steady again every 20 ms from the new anchor.
    expect(ticks.slice(3).map(([t, m]) => [t - ticks[2]![0], m])).toEqual(ticks.slice(3).map((_, i) => [20 * (i + 1), 0]));
    expect(p.missedTotal).toBe(4);
  });
});
