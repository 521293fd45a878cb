/**
 * A slow, deliberately plain G.711 reference built from the Recommendation's tables, not from bit
 * tricks: it lists every quantisation interval (decision values from Tables 1a / 2a), searches
 * them linearly, and assembles the character signal field by field. Production code
 * (src/codec/g711.ts, native/src/g711.c) is checked against this.
 *
 * Input convention (the mapping from 16-bit PCM, see src/codec/g711.ts): A-law works on 13-bit
 * v = x >> 3, µ-law on 14-bit v = x >> 2 (arithmetic shift = floor), so v stands for the interval
 * [v, v+1) of the uniform scale; a negative v mirrors to the magnitude interval [-v-1, -v).
 * Decoder output: the interval's midpoint (µ-law's first interval: 0), rescaled by 8 (A) or 4 (µ).
 */

interface Interval {
  lo: number; // decision value at the bottom (inclusive)
  hi: number; // decision value at the top (exclusive)
  out: number; // decoder output value
  segment: number; // 0..7
  step: number; // 0..15 within the segment
}

/** A-law, Table 1a: 8 segments per polarity; segment end points 0,32,64,...,4096; 16 equal steps each. */
function alawIntervals(): Interval[] {
  const ends = [0, 32, 64, 128, 256, 512, 1024, 2048, 4096];
  const list: Interval[] = [];
  for (let s = 0; s < 8; s++) {
    const width = (ends[s + 1]! - ends[s]!) / 16;
    for (let q = 0; q < 16; q++) {
      const lo = ends[s]! + q * width;
      list.push({ lo, hi: lo + width, out: lo + width / 2, segment: s, step: q });
    }
  }
  return list;
}

/**
 * µ-law, Table 2a: segment end points 0,31,95,223,479,991,2015,4063,8159. Segment 1 has one
 * half-width interval [0,1) (output 0) then 15 intervals of 2; the others 16 equal steps.
 * Magnitudes at or beyond 8159 fall in the last interval (overload).
 */
function ulawIntervals(): Interval[] {
  const ends = [0, 31, 95, 223, 479, 991, 2015, 4063, 8159];
  const list: Interval[] = [];
  list.push({ lo: 0, hi: 1, out: 0, segment: 0, step: 0 });
  for (let q = 1; q < 16; q++) list.push({ lo: 2 * q - 1, hi: 2 * q + 1, out: 2 * q, segment: 0, step: q });
  for (let s = 1; s < 8; s++) {
    const width = (ends[s + 1]! - ends[s]!) / 16;
    for (let q = 0; q < 16; q++) {
      const lo = ends[s]! + q * width;
      list.push({ lo, hi: lo + width, out: lo + width / 2, segment: s, step: q });
    }
  }
  list[list.length - 1]!.hi = Infinity;
  return list;
}

const A = alawIntervals();
const U = ulawIntervals();

function find(list: Interval[], magnitude: number): Interval {
  // [m, m+1) lies inside one interval because all decision values are integers.
  for (const iv of list) if (magnitude >= iv.lo && magnitude + 1 <= iv.hi) return iv;
  throw new Error(`no interval for ${magnitude}`);
}

/** A-law character: polarity bit (1 = positive), 3-bit segment, 4-bit step; even bits inverted. */
export function refAlawEncode(x16: number): number {
  const v = Math.floor(x16 / 8);
  const positive = v >= 0;
  const iv = find(A, positive ? v : -v - 1);
  const character = (positive ? 128 : 0) + iv.segment * 16 + iv.step;
  return character ^ 0b01010101;
}

/** µ-law character: polarity bit (1 = positive), then segment and step with those 7 bits inverted. */
export function refUlawEncode(x16: number): number {
  const v = Math.floor(x16 / 4);
  const positive = v >= 0;
  const iv = find(U, positive ? v : -v - 1);
  const magnitudeBits = 127 - (iv.segment * 16 + iv.step);
  return (positive ? 128 : 0) + magnitudeBits;
}

export function refAlawDecode(code: number): number {
  const character = code ^ 0b01010101;
  const positive = character >= 128;
  const idx = character % 128;
  const iv = A[idx]!; // intervals are listed segment-major, step-minor = character order
  return (positive ? 1 : -1) * iv.out * 8;
}

export function refUlawDecode(code: number): number {
  const positive = code >= 128;
  const idx = 127 - (code % 128);
  const iv = U[idx]!;
  const y = iv.out * 4;
  return positive ? y : -y;
}

/** The full tables: encode of all 65,536 inputs (index = x + 32768) and decode of all 256 codes. */
export function referenceTables(): { ulawEnc: Uint8Array; alawEnc: Uint8Array; ulawDec: Int16Array; alawDec: Int16Array } {
  const ulawEnc = new Uint8Array(65536);
  const alawEnc = new Uint8Array(65536);
  for (let i = 0; i < 65536; i++) {
    ulawEnc[i] = refUlawEncode(i - 32768);
    alawEnc[i] = refAlawEncode(i - 32768);
  }
  const ulawDec = new Int16Array(256);
  const alawDec = new Int16Array(256);
  for (let c = 0; c < 256; c++) {
    ulawDec[c] = refUlawDecode(c);
    alawDec[c] = refAlawDecode(c);
  }
  return { ulawEnc, alawEnc, ulawDec, alawDec };
}
