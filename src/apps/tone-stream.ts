/**
 * `tone_stream://` (freeswitch-behaviour.md §6.1; FreeSWITCH mod_tone_stream / TGML subset) as a
 * pull-style L16 source:
 *
 *   tone_stream://%(on_ms,off_ms,f1[,f2...]);%(...);loops=N      N=-1: forever
 *   v=<dB>     volume for the following segments (0 dB = full scale sine / number of tones)
 *   L=<n>      repeat the whole sequence n times (same as loops)
 *   silence_stream://<ms>[,<factor>]                              -1: forever
 *
 * Parsing scans by index (no regex on the data).
 */

export interface ToneSegment {
  onMs: number;
  offMs: number;
  freqs: number[];
  /** Linear gain 0..1 applied to the sum of sines. */
  gain: number;
}

export interface ToneSpec {
  segments: ToneSegment[];
  /** Times to play the sequence; -1 = forever. */
  loops: number;
}

/** Default level: -6 dBFS, like a comfortable ringback. */
const DEFAULT_GAIN = 0.5;
const MAX_SEGMENTS = 64;
const MAX_FREQS = 8;

function num(s: string): number | undefined {
  const t = s.trim();
  if (t === '') return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

/** Parse the part after `tone_stream://`. Returns undefined when nothing playable is found. */
export function parseToneStream(spec: string): ToneSpec | undefined {
  const segments: ToneSegment[] = [];
  let loops = 1;
  let gain = DEFAULT_GAIN;
  for (const rawPart of spec.split(';')) {
    const part = rawPart.trim();
    if (!part) continue;
    if (part.startsWith('%(') && part.endsWith(')')) {
      const fields = part.slice(2, -1).split(',');
      const onMs = num(fields[0] ?? '');
      const offMs = num(fields[1] ?? '');
      if (onMs === undefined || offMs === undefined || onMs < 0 || offMs < 0) return undefined;
      const freqs: number[] = [];
      for (const f of fields.slice(2, 2 + MAX_FREQS)) {
        const v = num(f);
        if (v !== undefined && v > 0 && v < 24000) freqs.push(v);
      }
      if (segments.length < MAX_SEGMENTS) segments.push({ onMs, offMs, freqs, gain });
      continue;
    }
    const eq = part.indexOf('=');
    if (eq > 0) {
      const key = part.slice(0, eq).trim().toLowerCase();
      const value = num(part.slice(eq + 1));
      if (value === undefined) continue;
      if (key === 'loops' || key === 'l') loops = value < 0 ? -1 : Math.max(1, Math.floor(value));
      else if (key === 'v') gain = Math.min(1, DEFAULT_GAIN * Math.pow(10, value / 20));
    }
  }
  if (!segments.length) return undefined;
  const total = segments.reduce((a, s) => a + s.onMs + s.offMs, 0);
  if (total <= 0) return undefined;
  return { segments, loops };
}

/** Pull-style generator of a ToneSpec at `sampleRate`, phase-continuous within each tone. */
export class ToneSource {
  private seg = 0;
  private posInSeg = 0;
  private loopsDone = 0;
  private readonly segSamples: { on: number; total: number }[];
  private readonly phases: number[][];

  constructor(
    private readonly spec: ToneSpec,
    readonly sampleRate = 8000,
  ) {
    this.segSamples = spec.segments.map((s) => {
      const on = Math.round((s.onMs * sampleRate) / 1000);
      return { on, total: on + Math.round((s.offMs * sampleRate) / 1000) };
    });
    this.phases = spec.segments.map((s) => s.freqs.map(() => 0));
    this.empty = this.segSamples.every((s) => s.total === 0);
  }

  private readonly empty: boolean;

  read(out: Int16Array): number {
    if (this.empty) return 0;
    let i = 0;
    while (i < out.length) {
      if (this.spec.loops >= 0 && this.loopsDone >= this.spec.loops) break;
      const seg = this.spec.segments[this.seg]!;
      const ss = this.segSamples[this.seg]!;
      if (this.posInSeg >= ss.total) {
        this.seg++;
        this.posInSeg = 0;
        if (this.seg >= this.spec.segments.length) {
          this.seg = 0;
          this.loopsDone++;
          for (const p of this.phases) p.fill(0);
        }
        continue;
      }
      const n = Math.min(out.length - i, ss.total - this.posInSeg);
      const phases = this.phases[this.seg]!;
      const amp = seg.freqs.length ? (seg.gain * 32767) / seg.freqs.length : 0;
      for (let k = 0; k < n; k++) {
        const pos = this.posInSeg + k;
        let v = 0;
        if (pos < ss.on && amp > 0) {
          for (let f = 0; f < seg.freqs.length; f++) {
            v += Math.sin(phases[f]!);
            phases[f] = phases[f]! + (2 * Math.PI * seg.freqs[f]!) / this.sampleRate;
          }
          v *= amp;
        }
        out[i + k] = v > 32767 ? 32767 : v < -32768 ? -32768 : Math.round(v);
      }
      for (let f = 0; f < phases.length; f++) phases[f] = phases[f]! % (2 * Math.PI);
      this.posInSeg += n;
      i += n;
    }
    return i;
  }
}

/** `silence_stream://<ms>[,<factor>]`: zeros (or faint noise with factor > 0), -1 = forever. */
export class SilenceSource {
  private remaining: number;
  private seed = 12345;
  constructor(
    ms: number,
    private readonly factor = 0,
    readonly sampleRate = 8000,
  ) {
    this.remaining = ms < 0 ? Infinity : Math.round((ms * sampleRate) / 1000);
  }
  read(out: Int16Array): number {
    const n = Math.min(out.length, this.remaining);
    for (let i = 0; i < n; i++) {
      if (this.factor > 0) {
        this.seed = (this.seed * 1103515245 + 12345) & 0x7fffffff;
        out[i] = ((this.seed >> 16) % (2 * this.factor + 1)) - this.factor;
      } else out[i] = 0;
    }
    this.remaining -= n;
    return n;
  }
}

export function parseSilenceStream(spec: string): { ms: number; factor: number } | undefined {
  const [a, b] = spec.split(',');
  const ms = num(a ?? '');
  if (ms === undefined) return undefined;
  const factor = b === undefined ? 0 : (num(b) ?? 0);
  return { ms, factor: Math.max(0, Math.min(1000, Math.floor(factor))) };
}
