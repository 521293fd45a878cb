import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as ts from '../../../src/codec/g711';
import { nativeAddon } from '../../../src/codec/native';
import { referenceTables } from './g711-reference';
import { SpandspHelper } from './spandsp-helper';

const FIX = join(__dirname, '../../fixtures/codec');
const ref = referenceTables();
const bin = readFileSync(join(FIX, 'g711-vectors.bin'));
const meta = JSON.parse(readFileSync(join(FIX, 'g711-vectors.json'), 'utf8')) as { sha256: Record<string, string> };
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

const ALL = new Int16Array(65536).map((_, i) => i - 32768);
const CODES = new Uint8Array(256).map((_, i) => i);

function le16(a: Int16Array): Uint8Array {
  const b = Buffer.alloc(a.length * 2);
  a.forEach((v, i) => b.writeInt16LE(v, i * 2));
  return b;
}

function firstDiff(a: ArrayLike<number>, b: ArrayLike<number>): string {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return `index ${i}: ${a[i]} vs ${b[i]}`;
  return 'none';
}

describe('G.711 reference and shipped vectors', () => {
  it('the recomputed reference equals the shipped vectors byte for byte and matches their hashes', () => {
    expect(bin.length).toBe(132096);
    expect(Buffer.compare(bin.subarray(0, 65536), ref.ulawEnc)).toBe(0);
    expect(Buffer.compare(bin.subarray(65536, 131072), ref.alawEnc)).toBe(0);
    expect(Buffer.compare(bin.subarray(131072, 131584), le16(ref.ulawDec))).toBe(0);
    expect(Buffer.compare(bin.subarray(131584), le16(ref.alawDec))).toBe(0);
    expect(sha(ref.ulawEnc)).toBe(meta.sha256.ulawEncode);
    expect(sha(ref.alawEnc)).toBe(meta.sha256.alawEncode);
    expect(sha(le16(ref.ulawDec))).toBe(meta.sha256.ulawDecode);
    expect(sha(le16(ref.alawDec))).toBe(meta.sha256.alawDecode);
  });

  it('spot values from G.711 itself', () => {
    const u = (x: number): number => ref.ulawEnc[x + 32768]!;
    const a = (x: number): number => ref.alawEnc[x + 32768]!;
    // µ-law: +0 -> 0xFF, -0 (x in [-4,-1]) -> 0x7F, overload -> 0x80 / 0x00; max output 8031 * 4.
    expect([u(0), u(3), u(-1), u(-4), u(32767), u(-32768)]).toEqual([0xff, 0xff, 0x7f, 0x7f, 0x80, 0x00]);
    expect([ref.ulawDec[0xff], ref.ulawDec[0x7f], ref.ulawDec[0x80], ref.ulawDec[0x00]]).toEqual([0, 0, 32124, -32124]);
    // A-law: smallest positive 0xD5, smallest negative 0x55, largest 0xAA / 0x2A; outputs ±8, ±4032 * 8.
    expect([a(0), a(15), a(-1), a(-16), a(32767), a(-32768)]).toEqual([0xd5, 0xd5, 0x55, 0x55, 0xaa, 0x2a]);
    expect([ref.alawDec[0xd5], ref.alawDec[0x55], ref.alawDec[0xaa], ref.alawDec[0x2a]]).toEqual([8, -8, 32256, -32256]);
    // µ-law segment 1 / 2 boundary: decision value 31 (14-bit) = 124 in 16-bit.
    expect(u(123)).toBe(0xff - 15);
    expect(u(124)).toBe(0xff - 16);
  });

  it('decoding is symmetric and re-encoding a decoded value gives the same code', () => {
    for (let c = 0; c < 128; c++) {
      expect(ref.ulawDec[c]! + ref.ulawDec[c | 0x80]!).toBe(0);
      expect(ref.ulawDec[c | 0x80]).toBeGreaterThanOrEqual(0);
      expect(ref.alawDec[c ^ 0x55]! + ref.alawDec[(c | 0x80) ^ 0x55]!).toBe(0);
      expect(ref.alawDec[(c | 0x80) ^ 0x55]).toBeGreaterThan(0);
    }
    for (let c = 0; c < 256; c++) {
      if (c !== 0x7f) expect(ref.ulawEnc[ref.ulawDec[c]! + 32768]).toBe(c); // -0 re-encodes as +0
      expect(ref.alawEnc[ref.alawDec[c]! + 32768]).toBe(c);
    }
  });
});

describe('G.711 TypeScript path', () => {
  it('encodes all 65,536 inputs and decodes all 256 codes like the reference', () => {
    const u = new Uint8Array(65536);
    const a = new Uint8Array(65536);
    ts.ulawEncode(ALL, u);
    ts.alawEncode(ALL, a);
    expect(firstDiff(u, ref.ulawEnc)).toBe('none');
    expect(firstDiff(a, ref.alawEnc)).toBe('none');
    const du = new Int16Array(256);
    const da = new Int16Array(256);
    ts.ulawDecode(CODES, du);
    ts.alawDecode(CODES, da);
    expect(firstDiff(du, ref.ulawDec)).toBe('none');
    expect(firstDiff(da, ref.alawDec)).toBe('none');
  });
});

describe('G.711 native path', () => {
  const n = nativeAddon();

  it('the addon is built', () => {
    expect(n, 'native/build/Release/strowger_native.node missing: run npm install').toBeDefined();
  });

  it('encodes all 65,536 inputs and decodes all 256 codes like the reference', () => {
    const u = new Uint8Array(65536);
    const a = new Uint8Array(65536);
    expect(n!.ulawEncode(ALL, u)).toBe(65536);
    expect(n!.alawEncode(ALL, a)).toBe(65536);
    expect(firstDiff(u, ref.ulawEnc)).toBe('none');
    expect(firstDiff(a, ref.alawEnc)).toBe('none');
    const du = new Int16Array(256);
    const da = new Int16Array(256);
    expect(n!.ulawDecode(CODES, du)).toBe(256);
    expect(n!.alawDecode(CODES, da)).toBe(256);
    expect(firstDiff(du, ref.ulawDec)).toBe('none');
    expect(firstDiff(da, ref.alawDec)).toBe('none');
  });

  it('checks arguments at the boundary with TypeError', () => {
    expect(() => n!.ulawEncode(new Uint8Array(4) as unknown as Int16Array, new Uint8Array(4))).toThrow(TypeError);
    expect(() => n!.ulawEncode(new Int16Array(8), new Uint8Array(4))).toThrow(TypeError);
    expect(() => n!.alawDecode(new Uint8Array(8), new Int16Array(4))).toThrow(TypeError);
    expect(() => (n!.alawDecode as unknown as (a: unknown) => number)(new Uint8Array(8))).toThrow(TypeError);
    expect(() => n!.alawDecode(new Uint8Array(8), new Uint16Array(8) as unknown as Int16Array)).toThrow(TypeError);
  });
});

describe('G.711 cross-check with libspandsp (a third-party implementation)', () => {
  const helper = new SpandspHelper();
  afterAll(() => helper.dispose());

  it('A-law and all decoders agree everywhere; µ-law encoders differ only by the negative-input convention', () => {
    expect(helper.setupError).toBe('');
    const sp = helper.run('g711', new Uint8Array(1));
    expect(sp.length).toBe(132096);
    expect(firstDiff(sp.subarray(65536, 131072), ref.alawEnc)).toBe('none');
    expect(firstDiff(sp.subarray(131072), bin.subarray(131072))).toBe('none');
    // spandsp's µ-law takes the magnitude of a negative x as -x where we (and ITU-T G.191) take
    // ~x = -x-1, i.e. spandsp(x) = ours(x - 1) for every negative x. The two differ exactly where
    // -x lands on a decision value: 127 inputs, one per interval boundary.
    const spU = sp.subarray(0, 65536);
    let differ = 0;
    const unexplained: string[] = [];
    for (let x = -32767; x < 32768; x++) {
      const i = x + 32768;
      const expected = x >= 0 ? ref.ulawEnc[i] : ref.ulawEnc[i - 1];
      if (spU[i] !== expected && unexplained.length < 5) unexplained.push(`x=${x}: spandsp ${spU[i]}, expected ${expected}`);
      if (spU[i] !== ref.ulawEnc[i]) differ++;
    }
    expect(unexplained).toEqual([]);
    expect(differ).toBe(127);
  });
});
