/**
 * Deterministic test audio for the codec tests and benches (no files, no randomness across runs).
 */

/** xorshift32: reproducible noise. */
export function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296; // [0, 1)
  };
}

const clip = (v: number): number => (v > 32767 ? 32767 : v < -32768 ? -32768 : Math.round(v));

/** A voiced "speech-like" signal: glottal pulse train with drifting pitch through 3 formant resonators. */
export function speechLike(rate: number, seconds: number, seed: number, level = 1): Int16Array {
  const n = Math.round(rate * seconds);
  const out = new Int16Array(n);
  const rnd = prng(seed);
  // two-pole resonators: y = x + 2 r cos(w) y1 - r^2 y2
  const res = [
    { f: 700, bw: 110, y1: 0, y2: 0 },
    { f: 1220, bw: 120, y1: 0, y2: 0 },
    { f: 2600, bw: 160, y1: 0, y2: 0 },
  ];
  let phase = 0;
  for (let i = 0; i < n; i++) {
    const t = i / rate;
    const pitch = 110 + 60 * Math.sin(2 * Math.PI * 0.7 * t) + 30 * Math.sin(2 * Math.PI * 2.3 * t);
    // formants drift like changing vowels
    res[0]!.f = 500 + 300 * Math.sin(2 * Math.PI * 0.9 * t);
    res[1]!.f = 1200 + 600 * Math.sin(2 * Math.PI * 0.5 * t + 1);
    res[2]!.f = 2500 + 400 * Math.sin(2 * Math.PI * 0.3 * t + 2);
    phase += pitch / rate;
    let x = 0;
    if (phase >= 1) {
      phase -= 1;
      x = 6000;
    }
    x += (rnd() - 0.5) * 300; // aspiration noise
    let y = x;
    for (const r of res) {
      const rr = Math.exp((-Math.PI * r.bw) / rate);
      const c = 2 * rr * Math.cos((2 * Math.PI * Math.min(r.f, rate * 0.45)) / rate);
      const v = y + c * r.y1 - rr * rr * r.y2;
      r.y2 = r.y1;
      r.y1 = v;
      y = v * (1 - rr);
    }
    const env = 0.5 + 0.5 * Math.sin(2 * Math.PI * 3 * t) ** 2; // syllable envelope
    out[i] = clip(y * 30 * env * level);
  }
  return out;
}

export function tone(rate: number, seconds: number, freq: number, amplitude: number, phase0 = 0): Int16Array {
  const n = Math.round(rate * seconds);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = clip(amplitude * Math.sin(phase0 + (2 * Math.PI * freq * i) / rate));
  return out;
}

/** Logarithmic sweep f0 -> f1. */
export function sweep(rate: number, seconds: number, f0: number, f1: number, amplitude: number): Int16Array {
  const n = Math.round(rate * seconds);
  const out = new Int16Array(n);
  const k = Math.log(f1 / f0) / seconds;
  for (let i = 0; i < n; i++) {
    const t = i / rate;
    out[i] = clip(amplitude * Math.sin((2 * Math.PI * f0 * (Math.exp(k * t) - 1)) / k));
  }
  return out;
}

export function noise(rate: number, seconds: number, amplitude: number, seed: number): Int16Array {
  const n = Math.round(rate * seconds);
  const out = new Int16Array(n);
  const rnd = prng(seed);
  for (let i = 0; i < n; i++) out[i] = clip((rnd() * 2 - 1) * amplitude);
  return out;
}

export function addNoise(x: Int16Array, amplitude: number, seed: number): Int16Array {
  const rnd = prng(seed);
  const out = new Int16Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = clip(x[i]! + (rnd() * 2 - 1) * amplitude);
  return out;
}

export function concat(parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** ≥ 60 s of varied 16 kHz audio for the G.722 comparison (65 s). */
export function g722TestProgramme(): Int16Array {
  const r = 16000;
  const clipped = tone(r, 3, 440, 3 * 32767); // hard-clipped sine (tone() clips)
  const square = new Int16Array(r * 2).map((_, i) => ((i >> 4) & 1 ? 32767 : -32768));
  const nyquist = new Int16Array(r).map((_, i) => (i & 1 ? 32767 : -32768));
  const steps = new Int16Array(r * 2).map((_, i) => [0, 20000, -20000, 32767, -32768, 100][(i >> 11) % 6]!);
  return concat([
    speechLike(r, 10, 1),
    speechLike(r, 5, 2, 3.5), // loud speech, clipping peaks
    tone(r, 2, 1000, 10000),
    tone(r, 2, 300, 20000),
    tone(r, 2, 3400, 8000),
    tone(r, 2, 5000, 12000),
    tone(r, 2, 7500, 16000),
    sweep(r, 6, 50, 7900, 16000),
    sweep(r, 3, 7900, 100, 32767),
    noise(r, 3, 1000, 3),
    noise(r, 3, 30000, 4),
    new Int16Array(r * 3), // silence
    noise(r, 2, 2, 5), // LSB dither
    clipped,
    square,
    nyquist,
    steps,
    addNoise(speechLike(r, 6, 6), 1000, 7), // speech + noise
    tone(r, 3, 1000, 32767),
  ]);
}
