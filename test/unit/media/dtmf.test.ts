import { describe, expect, it } from 'vitest';
import {
  DtmfPacketKind,
  DtmfReceiver,
  dtmfCode,
  dtmfDigit,
  parseTelephoneEvent,
  planDtmfPackets,
  writeTelephoneEvent,
  type DtmfEvent,
} from '../../../src/media/dtmf';

function ev(event: number, end: boolean, duration: number, volume = 10): Uint8Array {
  const b = new Uint8Array(4);
  writeTelephoneEvent(b, 0, { event, end, volume, duration });
  return b;
}

describe('RFC 4733 telephone-event', () => {
  it('maps digits both ways and rejects non-DTMF characters', () => {
    expect([...'0123456789*#ABCD'].map(dtmfCode)).toEqual([...Array(16).keys()]);
    expect(dtmfCode('a')).toBe(12);
    expect(dtmfCode('x')).toBe(-1);
    expect(dtmfCode('')).toBe(-1);
    expect(dtmfCode('12')).toBe(-1);
    expect(dtmfDigit(11)).toBe('#');
    expect(dtmfDigit(16)).toBe('');
  });

  it('payload round trip, bit layout per §2.3', () => {
    const b = ev(5, true, 0x1234, 63);
    expect([...b]).toEqual([5, 0x80 | 63, 0x12, 0x34]);
    expect(parseTelephoneEvent(b, 0, 4)).toEqual({ event: 5, end: true, volume: 63, duration: 0x1234 });
    expect(parseTelephoneEvent(b, 0, 3)).toBeUndefined();
    expect(parseTelephoneEvent(b, 2, 4)).toBeUndefined();
    writeTelephoneEvent(b, 0, { event: 1, end: false, volume: 0, duration: 1e9 });
    expect(parseTelephoneEvent(b, 0, 4)!.duration).toBe(0xffff);
  });

  it('receiver: one start and one end per event; end retransmissions ignored', () => {
    const got: DtmfEvent[] = [];
    const r = new DtmfReceiver((e) => got.push(e));
    const ts = 1000;
    const kinds = [
      r.handle(ev(1, false, 160), 0, 4, ts, 8000),
      r.handle(ev(1, false, 320), 0, 4, ts, 8000),
      r.handle(ev(1, false, 480), 0, 4, ts, 8000),
      r.handle(ev(1, true, 800), 0, 4, ts, 8000),
      r.handle(ev(1, true, 800), 0, 4, ts, 8000),
      r.handle(ev(1, true, 800), 0, 4, ts, 8000),
    ];
    expect(kinds).toEqual([DtmfPacketKind.START, DtmfPacketKind.CONTINUE, DtmfPacketKind.CONTINUE, DtmfPacketKind.END, DtmfPacketKind.REPEAT, DtmfPacketKind.REPEAT]);
    expect(got.map((e) => [e.digit, e.end, e.durationMs])).toEqual([
      ['1', false, 20],
      ['1', true, 100],
    ]);
    // The same digit again is a new event because its timestamp differs.
    r.handle(ev(1, false, 160), 0, 4, ts + 2000, 8000);
    r.handle(ev(1, true, 400), 0, 4, ts + 2000, 8000);
    expect(got.filter((e) => e.end).length).toBe(2);
    expect(r.events).toBe(2);
    expect(r.handle(new Uint8Array(2), 0, 2, 5, 8000)).toBe(DtmfPacketKind.MALFORMED);
  });

  it('receiver: lost end packets are inferred when the next event starts or on flush', () => {
    const got: DtmfEvent[] = [];
    const r = new DtmfReceiver((e) => got.push(e));
    r.handle(ev(9, false, 160), 0, 4, 100, 8000);
    r.handle(ev(10, false, 160), 0, 4, 900, 8000);
    r.flush(8000);
    expect(got.map((e) => [e.digit, e.end, e.endInferred ?? false])).toEqual([
      ['9', false, false],
      ['9', true, true],
      ['*', false, false],
      ['*', true, true],
    ]);
  });

  it('receiver: an event seen only by its end packet still yields start and end', () => {
    const got: DtmfEvent[] = [];
    const r = new DtmfReceiver((e) => got.push(e));
    expect(r.handle(ev(11, true, 1600), 0, 4, 7, 16000)).toBe(DtmfPacketKind.END);
    expect(got.map((e) => [e.digit, e.end, e.durationMs])).toEqual([
      ['#', false, 100],
      ['#', true, 100],
    ]);
  });

  it('plan: marker on the first packet, growing duration, end sent three times (§2.5.1)', () => {
    const plan = planDtmfPackets(5, 100, 20, 8000);
    expect(plan.length).toBe(4 + 3);
    expect(plan[0]).toMatchObject({ atMs: 0, marker: true, payload: { event: 5, end: false, duration: 160 } });
    expect(plan.slice(1).every((p) => !p.marker)).toBe(true);
    expect(plan.slice(0, 4).map((p) => p.payload.duration)).toEqual([160, 320, 480, 640]);
    expect(plan.slice(4).map((p) => [p.payload.end, p.payload.duration])).toEqual([
      [true, 800],
      [true, 800],
      [true, 800],
    ]);
    expect(plan.map((p) => p.atMs)).toEqual([0, 20, 40, 60, 80, 100, 120]);
    // Rates other than 8000 scale the duration units.
    expect(planDtmfPackets(1, 100, 20, 48000).at(-1)!.payload.duration).toBe(4800);
  });
});
