/**
 * G.711 (ITU-T G.711, 1988) companding in TypeScript: the segment rules as bit operations, plus
 * 64 Ki-entry encode tables for the hot path when the native addon is absent. The native addon
 * (native/src/g711.c) implements the same rules; test/unit/codec/g711.test.ts holds both to an
 * independent, table-driven reference (test/unit/codec/g711-reference.ts).
 *
 * 16-bit input mapping (documented contract, same in C):
 *   G.711 quantises 13-bit (A-law) / 14-bit (µ-law) uniform PCM. A 16-bit sample x is taken to
 *   those widths by an arithmetic shift (A-law v = x >> 3, µ-law v = x >> 2), i.e. by flooring, so
 *   the code v stands for the interval [v, v+1) of the 13/14-bit scale. The standard's decision
 *   values are symmetric about zero, so a negative v is quantised as the mirrored interval
 *   [-v-1, -v) = [~v, ~v+1): magnitude ~v (one's complement). This is the convention of the ITU-T
 *   G.191 software tools. Decoding is symmetric: ±(interval midpoint), scaled back by << 3 / << 2.
 */

/** Encode one 16-bit linear sample to a µ-law byte (G.711 Table 2a). */
export function ulawEncodeSample(x: number): number {
  const v = x >> 2; // 14-bit
  let m: number;
  let top: number;
  if (v < 0) {
    m = ~v;
    top = 0x7f;
  } else {
    m = v;
    top = 0xff;
  }
  // Biased magnitude: the µ-law segment end points (31, 95, 223, ... 8159) become 2^k - 33 + 33.
  let b = m + 33;
  if (b > 8191) b = 8191; // overload: the last interval of segment 8 (decision value 8159)
  let seg = 0;
  while (b >= 64 << seg) seg++;
  const q = (b >> (seg + 1)) - 16;
  return top - ((seg << 4) | q);
}

/** Decode one µ-law byte to 16-bit linear. */
export function ulawDecodeSample(code: number): number {
  const t = ~code & 0x7f;
  const seg = t >> 4;
  const q = t & 15;
  const y = (((q << 1) + 33) << seg) - 33; // interval midpoint, 14-bit scale (segment 1, q 0 -> 0)
  return code & 0x80 ? y << 2 : -(y << 2);
}

/** Encode one 16-bit linear sample to an A-law byte (G.711 Table 1a; even bits inverted). */
export function alawEncodeSample(x: number): number {
  const v = x >> 3; // 13-bit
  let m: number;
  let sign: number;
  if (v < 0) {
    m = ~v;
    sign = 0x00;
  } else {
    m = v;
    sign = 0x80;
  }
  let seg: number;
  let q: number;
  if (m < 32) {
    seg = 0;
    q = m >> 1;
  } else {
    seg = 1;
    while (m >= 64 << (seg - 1)) seg++;
    q = (m >> seg) & 15;
  }
  return (sign | (seg << 4) | q) ^ 0x55;
}

/** Decode one A-law byte to 16-bit linear. */
export function alawDecodeSample(code: number): number {
  const t = code ^ 0x55;
  const seg = (t >> 4) & 7;
  const q = t & 15;
  const y = seg === 0 ? (q << 1) + 1 : ((q << 1) + 33) << (seg - 1);
  return t & 0x80 ? y << 3 : -(y << 3);
}

let ulawEncTable: Uint8Array | undefined;
let alawEncTable: Uint8Array | undefined;
let ulawDecTable: Int16Array | undefined;
let alawDecTable: Int16Array | undefined;

function buildEnc(fn: (x: number) => number): Uint8Array {
  const t = new Uint8Array(65536);
  for (let i = 0; i < 65536; i++) t[i] = fn((i << 16) >> 16);
  return t;
}
function buildDec(fn: (c: number) => number): Int16Array {
  const t = new Int16Array(256);
  for (let i = 0; i < 256; i++) t[i] = fn(i);
  return t;
}

/** Table-driven block encode/decode (TypeScript path). Return the number of samples/bytes written. */
export function ulawEncode(pcm: Int16Array, out: Uint8Array, n = pcm.length): number {
  const t = (ulawEncTable ??= buildEnc(ulawEncodeSample));
  for (let i = 0; i < n; i++) out[i] = t[pcm[i]! & 0xffff]!;
  return n;
}
export function alawEncode(pcm: Int16Array, out: Uint8Array, n = pcm.length): number {
  const t = (alawEncTable ??= buildEnc(alawEncodeSample));
  for (let i = 0; i < n; i++) out[i] = t[pcm[i]! & 0xffff]!;
  return n;
}
export function ulawDecode(codes: Uint8Array, out: Int16Array, n = codes.length): number {
  const t = (ulawDecTable ??= buildDec(ulawDecodeSample));
  for (let i = 0; i < n; i++) out[i] = t[codes[i]!]!;
  return n;
}
export function alawDecode(codes: Uint8Array, out: Int16Array, n = codes.length): number {
  const t = (alawDecTable ??= buildDec(alawDecodeSample));
  for (let i = 0; i < n; i++) out[i] = t[codes[i]!]!;
  return n;
}
