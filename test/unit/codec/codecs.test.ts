import { describe, expect, it, vi } from 'vitest';
import { createCodec, createPayloadTranscoder, createResampler, defaultDescription, nativeAddon, parseCodecString } from '../../../src/codec/index';
import { ulawEncode } from '../../../src/codec/g711';
import { isStrowgerError } from '../../../src/util/errors';
import { speechLike, tone } from './test-signals';

const d = (s: string) => parseCodecString(s)[0]!;

function snrDb(x: ArrayLike<number>, y: ArrayLike<number>, from: number, to: number, delay = 0): number {
  let s = 0;
  let e = 0;
  for (let i = from; i < to; i++) {
    s += x[i]! ** 2;
    e += (y[i + delay]! - x[i]!) ** 2;
  }
  return 10 * Math.log10(s / Math.max(e, 1));
}

describe('createCodec', () => {
  it('builds every audio codec with the right frame size; telephone-event is description-only', () => {
    expect(createCodec(d('PCMU')).frameSamples).toBe(160);
    expect(createCodec(d('PCMA@30i')).frameSamples).toBe(240);
    expect(createCodec(d('G722')).frameSamples).toBe(320);
    expect(createCodec(d('L16@48000h@10i')).frameSamples).toBe(480);
    expect(createCodec(d('opus')).frameSamples).toBe(960);
    expect(createCodec(d('opus@8000h')).frameSamples).toBe(160);
    try {
      createCodec(d('telephone-event'));
      expect.unreachable();
    } catch (e) {
      expect(isStrowgerError(e, 'CODEC_UNKNOWN')).toBe(true);
    }
    expect(() => createCodec({ ...defaultDescription('PCMU')!, sampleRate: 16000 })).toThrow(/16000 Hz/);
    expect(() => createCodec({ ...defaultDescription('PCMU')!, name: 'GSM' })).toThrow(/GSM/);
  });

  it('PCMU/PCMA: frame round trip, conceal with plc off gives silence, close is idempotent and turns calls into no-ops', () => {
    for (const name of ['PCMU', 'PCMA']) {
      const c = createCodec(d(name), { plc: false });
      const x = tone(8000, 0.02, 440, 8000);
      const pkt = new Uint8Array(160);
      expect(c.encode(x, pkt)).toBe(160);
      const y = new Int16Array(160);
      expect(c.decode(pkt, y)).toBe(160);
      expect(snrDb(x, y, 0, 160)).toBeGreaterThan(30); // G.711: about 38 dB for a tone at -12 dBFS
      y.fill(123);
      expect(c.conceal(y)).toBe(160);
      expect(y.every((v) => v === 0)).toBe(true);
      expect(c.decode(pkt, new Int16Array(100))).toBe(0); // out too small: a drop, not a throw
      c.close();
      c.close();
      expect(c.decode(pkt, y)).toBe(0);
      expect(c.encode(x, pkt)).toBe(0);
    }
  });

  it('PCMU codec output equals the table-driven TypeScript G.711', () => {
    const c = createCodec(d('PCMU'));
    const x = speechLike(8000, 0.02, 4);
    const a = new Uint8Array(160);
    const b = new Uint8Array(160);
    c.encode(x, a);
    ulawEncode(x, b);
    expect(Buffer.compare(a, b)).toBe(0);
  });

  it('L16: network byte order (RFC 3551 §4.5.11), odd payload is malformed', () => {
    const c = createCodec(d('L16'));
    const pkt = new Uint8Array(6);
    expect(c.encode(Int16Array.of(0x0102, -2, 0x7fff), pkt)).toBe(6);
    expect([...pkt]).toEqual([0x01, 0x02, 0xff, 0xfe, 0x7f, 0xff]);
    const y = new Int16Array(3);
    expect(c.decode(pkt, y)).toBe(3);
    expect([...y]).toEqual([0x0102, -2, 0x7fff]);
    expect(c.decode(pkt.subarray(0, 5), y)).toBe(0);
    expect(c.decode(pkt, new Int16Array(2))).toBe(0);
  });

  it('G722: speech round trip through the codec object, 20 ms frames', () => {
    const c = createCodec(d('G722'));
    const x = speechLike(16000, 1, 5);
    const y = new Int16Array(x.length);
    const pkt = new Uint8Array(160);
    const out = new Int16Array(320);
    for (let i = 0; i < x.length; i += 320) {
      expect(c.encode(x.subarray(i, i + 320), pkt)).toBe(160);
      expect(c.decode(pkt, out)).toBe(320);
      y.set(out, i);
    }
    // G.722's transmit + receive QMF (24 taps each) delay the signal by 22 samples
    let best = -Infinity;
    let bestDelay = 0;
    for (let dl = 0; dl < 40; dl++) {
      const s = snrDb(x, y, 2000, x.length - 100, dl);
      if (s > best) {
        best = s;
        bestDelay = dl;
      }
    }
    expect(bestDelay).toBe(22);
    console.log(`G.722 speech round trip SNR ${best.toFixed(1)} dB`);
    expect(best).toBeGreaterThan(15);
    expect(c.decode(pkt, new Int16Array(100))).toBe(0);
    c.close();
    c.close();
    expect(c.encode(x.subarray(0, 320), pkt)).toBe(0);
  });
});

describe('payload transcoder', () => {
  it('fused PCMU -> G722 equals decode + resample + encode done step by step', () => {
    const t = createPayloadTranscoder(d('PCMU'), d('G722'));
    expect(t.fused).toBe(true);
    expect(t.maxOutputBytes).toBe(160);
    const n = nativeAddon()!;
    const rs = createResampler(8000, 16000);
    const enc = n.g722EncoderCreate();
    const x = speechLike(8000, 0.5, 8);
    const pcmu = new Uint8Array(160);
    const a = new Uint8Array(160);
    const b = new Uint8Array(160);
    const pcm8 = new Int16Array(160);
    const pcm16 = new Int16Array(320);
    for (let i = 0; i < x.length; i += 160) {
      ulawEncode(x.subarray(i, i + 160), pcmu);
      expect(t.transcode(pcmu, a)).toBe(160);
      n.ulawDecode(pcmu, pcm8);
      rs.process(pcm8, pcm16);
      n.g722Encode(enc, pcm16, b);
      expect(Buffer.compare(a, b)).toBe(0);
    }
    expect(t.conceal(a)).toBe(160);
    t.close();
    t.close();
    expect(t.transcode(pcmu, a)).toBe(0);
  });

  it('fused G722 -> PCMA and L16@16000 -> PCMU keep a tone', () => {
    const g = createCodec(d('G722'));
    const t = createPayloadTranscoder(d('G722'), d('PCMA'));
    const pcma = createCodec(d('PCMA'));
    const x = tone(16000, 0.4, 800, 9000);
    const pkt = new Uint8Array(160);
    const out = new Uint8Array(t.maxOutputBytes);
    const y = new Int16Array(160);
    let energy = 0;
    for (let i = 0; i < x.length; i += 320) {
      g.encode(x.subarray(i, i + 320), pkt);
      expect(t.transcode(pkt, out)).toBe(160);
      pcma.decode(out, y);
      if (i > 3200) for (const v of y) energy += v * v;
    }
    const rmsOut = Math.sqrt(energy / ((x.length - 3520) / 2));
    expect(20 * Math.log10(rmsOut / (9000 / Math.SQRT2))).toBeGreaterThan(-1);
    expect(20 * Math.log10(rmsOut / (9000 / Math.SQRT2))).toBeLessThan(1);

    const l16 = createPayloadTranscoder(d('L16@16000h'), d('PCMU'));
    expect(l16.transcode(new Uint8Array(641), new Uint8Array(160))).toBe(0); // odd L16: malformed
    expect(l16.transcode(new Uint8Array(640), new Uint8Array(160))).toBe(160);
  });

  it('generic path PCMU -> opus@16000 and opus -> PCMA', () => {
    const t1 = createPayloadTranscoder(d('PCMU'), d('opus@16000h'));
    const t2 = createPayloadTranscoder(d('opus@16000h'), d('PCMA'));
    expect(t1.fused).toBe(false);
    const x = tone(8000, 0.5, 1000, 8000);
    const pcmu = new Uint8Array(160);
    const opus = new Uint8Array(t1.maxOutputBytes);
    const pcma = new Uint8Array(t2.maxOutputBytes);
    const dec = createCodec(d('PCMA'));
    const y = new Int16Array(160);
    let e = 0;
    for (let i = 0; i < x.length; i += 160) {
      ulawEncode(x.subarray(i, i + 160), pcmu);
      const n1 = t1.transcode(pcmu, opus);
      expect(n1).toBeGreaterThan(0);
      expect(t2.transcode(opus.subarray(0, n1), pcma)).toBe(160);
      dec.decode(pcma, y);
      if (i >= 2000) for (const v of y) e += v * v;
    }
    const gain = 20 * Math.log10(Math.sqrt(e / (x.length - 2080)) / (8000 / Math.SQRT2));
    expect(Math.abs(gain)).toBeLessThan(3);
    expect(t2.conceal(pcma)).toBe(160);
    expect(t2.transcode(Uint8Array.of(3, 0), pcma)).toBe(0);
    t1.close();
    t2.close();
  });

  it('refuses ptime or channel mismatches', () => {
    expect(() => createPayloadTranscoder(d('PCMU@20i'), d('PCMA@30i'))).toThrow(/ptime/);
    expect(() => createPayloadTranscoder(d('opus@2c'), d('PCMA'))).toThrow(/channels/);
    expect(() => createPayloadTranscoder(d('opus@2c'), d('opus@16000h@2c'))).toThrow(/resampling 2-channel/);
  });

  it('the native fused call checks its arguments', () => {
    const n = nativeAddon()!;
    const enc = n.g722EncoderCreate();
    const rs = n.resamplerCreate(16000, 8000);
    expect(() => n.transcode(0, null, new Uint8Array(160), null, 3, enc, new Uint8Array(160))).toThrow(/resampler/);
    expect(() => n.transcode(0, null, new Uint8Array(160), rs, 3, enc, new Uint8Array(160))).toThrow(/rates/);
    expect(() => n.transcode(0, null, new Uint8Array(160), null, 3, null, new Uint8Array(160))).toThrow(TypeError);
    expect(() => n.transcode(9 as never, null, new Uint8Array(160), null, 0, null, new Uint8Array(160))).toThrow(TypeError);
    expect(n.transcode(0, null, new Uint8Array(160), null, 1, null, new Uint8Array(10))).toBe(0); // out too small: drop
    n.free(enc);
    n.free(rs);
  });
});

describe('without the native addon (STROWGER_NO_NATIVE=1)', () => {
  it('G.711 and L16 fall back to TypeScript with identical output; G.722 and resampling say CODEC_NATIVE', async () => {
    const withNative = createCodec(d('PCMA'));
    const x = speechLike(8000, 0.02, 12);
    const a = new Uint8Array(160);
    withNative.encode(x, a);
    process.env.STROWGER_NO_NATIVE = '1';
    vi.resetModules();
    try {
      const fresh = await import('../../../src/codec/index');
      expect(fresh.nativeAddon()).toBeUndefined();
      const ts = fresh.createCodec(d('PCMA'));
      const b = new Uint8Array(160);
      expect(ts.encode(x, b)).toBe(160);
      expect(Buffer.compare(a, b)).toBe(0);
      expect(() => ts.encode(x, new Uint8Array(10))).toThrow(TypeError);
      expect(fresh.createCodec(d('L16')).decode(new Uint8Array(4), new Int16Array(2))).toBe(2);
      for (const make of [() => fresh.createCodec(d('G722')), () => fresh.createResampler(8000, 16000), () => fresh.createPayloadTranscoder(d('PCMU'), d('G722'))]) {
        try {
          make();
          expect.unreachable();
        } catch (e) {
          expect((e as { code?: string }).code).toBe('CODEC_NATIVE');
        }
      }
    } finally {
      delete process.env.STROWGER_NO_NATIVE;
      vi.resetModules();
    }
  });
});
