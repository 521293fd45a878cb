/**
 * G.722 bit-exactness against Debian's libspandsp (the reference implementation for this test;
 * nothing of it is in our code). A helper is compiled at test time into a temp dir. Without gcc or
 * libspandsp-dev this test FAILS with a message: it must not pass by skipping.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nativeAddon } from '../../../src/codec/native';
import { SpandspHelper } from './spandsp-helper';
import { g722TestProgramme, prng } from './test-signals';

const helper = new SpandspHelper();
const setupError = helper.setupError;
afterAll(() => helper.dispose());
const spandsp = (mode: 'enc' | 'dec', input: Uint8Array): Buffer => helper.run(mode, input);

const bytesOf = (a: Int16Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
const int16Of = (b: Buffer): Int16Array => new Int16Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));

const n = nativeAddon();
const FRAME = 320; // 20 ms at 16 kHz

function oursEncode(pcm: Int16Array, frame: number): Uint8Array {
  const enc = n!.g722EncoderCreate();
  const out = new Uint8Array(pcm.length / 2);
  for (let i = 0; i < pcm.length; i += frame) {
    const k = n!.g722Encode(enc, pcm.subarray(i, i + frame), out.subarray(i / 2));
    expect(k).toBe(Math.min(frame, pcm.length - i) / 2);
  }
  n!.free(enc);
  return out;
}

function oursDecode(codes: Uint8Array, frame: number): Int16Array {
  const dec = n!.g722DecoderCreate();
  const out = new Int16Array(codes.length * 2);
  for (let i = 0; i < codes.length; i += frame) n!.g722Decode(dec, codes.subarray(i, i + frame), out.subarray(i * 2));
  n!.free(dec);
  return out;
}

/**
 * Compare decoder outputs. The one known difference: spandsp stores the receive-QMF output into
 * int16 without limiting, so an over-range sample wraps around (e.g. -33572 -> +31964); we
 * saturate as the Recommendation's LIMIT does. Every other sample must be equal.
 */
function compareDecoded(ours: Int16Array, ref: Int16Array): { equal: number; wrapped: number; other: string[] } {
  let equal = 0;
  let wrapped = 0;
  const other: string[] = [];
  for (let i = 0; i < ref.length; i++) {
    const a = ours[i]!;
    const b = ref[i]!;
    if (a === b) equal++;
    else if ((a === 32767 && b < 0) || (a === -32768 && b >= 0)) wrapped++;
    else if (other.length < 5) other.push(`sample ${i}: ours ${a}, spandsp ${b}`);
    else other.push('...');
  }
  return { equal, wrapped, other: other.slice(0, 6) };
}

describe('G.722 against libspandsp', () => {
  const pcm = g722TestProgramme();

  it('has its reference: libspandsp-dev and gcc are present and the helper builds', () => {
    expect(setupError).toBe('');
    expect(n, 'native addon not built').toBeDefined();
  });

  it(`encoder: ${(pcm.length / 16000).toFixed(0)} s of speech, tones, sweeps, noise, silence and clipping, byte for byte (20 ms frames)`, () => {
    expect(pcm.length / 16000).toBeGreaterThanOrEqual(60);
    const ref = spandsp('enc', bytesOf(pcm));
    const ours = oursEncode(pcm, FRAME);
    expect(ref.length).toBe(pcm.length / 2);
    let first = -1;
    let diffs = 0;
    for (let i = 0; i < ref.length; i++) {
      if (ref[i] !== ours[i]) {
        diffs++;
        if (first < 0) first = i;
      }
    }
    expect({ diffs, first }).toEqual({ diffs: 0, first: -1 });
  });

  it('decoder: the same code stream, sample for sample (spandsp int16 wrap-around excepted and counted)', () => {
    const codes = spandsp('enc', bytesOf(pcm));
    const ref = int16Of(spandsp('dec', codes));
    const ours = oursDecode(codes, 160);
    expect(ref.length).toBe(ours.length);
    const r = compareDecoded(ours, ref);
    expect(r.other).toEqual([]);
    expect(r.equal + r.wrapped).toBe(ref.length);
    // Wraps only happen on the deliberately over-driven parts (clipped tones, full-scale square
    // and Nyquist waves): none in the first 10 s of ordinary speech.
    expect(r.wrapped).toBeLessThan(ref.length / 20);
    const speech = compareDecoded(ours.subarray(0, 32000 * 10), ref.subarray(0, 32000 * 10));
    expect(speech.equal).toBe(32000 * 10);
    console.log(`G.722 decoder: ${r.equal} samples equal, ${r.wrapped} where spandsp wrapped and we saturated`);
  });

  it('decoder: 20 s of arbitrary code bytes (all 256 codes, including the unused low-band codes 0-3)', () => {
    const rnd = prng(99);
    const codes = new Uint8Array(16000 * 10).map(() => Math.floor(rnd() * 256));
    const ref = int16Of(spandsp('dec', codes));
    const ours = oursDecode(codes, 160);
    const r = compareDecoded(ours, ref);
    expect(r.other).toEqual([]);
    expect(r.equal + r.wrapped).toBe(ref.length);
  });
});

describe('G.722 portable C path (-DSTW_NO_SIMD, what non-x86 machines build)', () => {
  it('encodes like spandsp and decodes like the addon on the whole programme', () => {
    const prog = join(helper.dir, 'g722-portable');
    const src = join(__dirname, '../../fixtures/codec/g722-portable.c');
    const native = join(__dirname, '../../../native/src');
    execFileSync('gcc', ['-O2', '-DSTW_NO_SIMD', '-I', native, '-o', prog, src, join(native, 'g722.c')], { stdio: 'pipe', timeout: 60_000 });
    const run = (mode: 'enc' | 'dec', input: Uint8Array): Buffer => {
      writeFileSync(join(helper.dir, 'p.in'), input);
      execFileSync(prog, [mode, join(helper.dir, 'p.in'), join(helper.dir, 'p.out')], { timeout: 60_000 });
      return readFileSync(join(helper.dir, 'p.out'));
    };
    const pcm = g722TestProgramme();
    const codes = run('enc', bytesOf(pcm));
    expect(Buffer.compare(codes, spandsp('enc', bytesOf(pcm)))).toBe(0);
    const decoded = run('dec', codes);
    expect(Buffer.compare(decoded, Buffer.from(bytesOf(oursDecode(codes, 160))))).toBe(0);
  });
});

describe('G.722 state across frame boundaries', () => {
  const pcm = g722TestProgramme().subarray(0, 16000 * 8);

  it('encoding in 20 ms, 10 ms, 2-sample and odd-sized frames equals one block', () => {
    const block = oursEncode(pcm, pcm.length);
    for (const frame of [320, 160, 962]) expect(Buffer.compare(oursEncode(pcm, frame), block)).toBe(0);
    const short = pcm.subarray(0, 16000);
    expect(Buffer.compare(oursEncode(short, 2), block.subarray(0, 8000))).toBe(0);
  });

  it('decoding in 160-byte, 481-byte and 1-byte frames equals one block', () => {
    const codes = oursEncode(pcm, 320);
    const block = oursDecode(codes, codes.length);
    expect(Buffer.compare(bytesOf(oursDecode(codes.subarray(0, 8000), 1)), bytesOf(block.subarray(0, 16000)))).toBe(0);
    for (const frame of [160, 481]) expect(Buffer.compare(bytesOf(oursDecode(codes, frame)), bytesOf(block))).toBe(0);
  });

  it('reset() returns a handle to its initial state; free() is idempotent and later use throws', () => {
    const enc = n!.g722EncoderCreate();
    const a = new Uint8Array(160);
    const b = new Uint8Array(160);
    n!.g722Encode(enc, pcm.subarray(0, 320), a);
    n!.g722Encode(enc, pcm.subarray(320, 640), b);
    n!.reset(enc);
    const c = new Uint8Array(160);
    n!.g722Encode(enc, pcm.subarray(0, 320), c);
    expect(Buffer.compare(a, c)).toBe(0);
    expect(Buffer.compare(a, b)).not.toBe(0);
    n!.free(enc);
    n!.free(enc);
    expect(() => n!.g722Encode(enc, pcm.subarray(0, 320), c)).toThrow(TypeError);
  });

  it('argument checks: odd pcm length, short out, wrong handle kind', () => {
    const enc = n!.g722EncoderCreate();
    const dec = n!.g722DecoderCreate();
    expect(() => n!.g722Encode(enc, new Int16Array(3), new Uint8Array(4))).toThrow(TypeError);
    expect(() => n!.g722Encode(enc, new Int16Array(320), new Uint8Array(100))).toThrow(TypeError);
    expect(() => n!.g722Encode(dec, new Int16Array(320), new Uint8Array(160))).toThrow(TypeError);
    expect(() => n!.g722Decode(dec, new Uint8Array(160), new Int16Array(100))).toThrow(TypeError);
    expect(() => n!.g722Decode({} as never, new Uint8Array(160), new Int16Array(320))).toThrow(TypeError);
    n!.free(enc);
    n!.free(dec);
  });
});
