/**
 * G.722 encode/decode per 20 ms frame: ours against libspandsp, measured side by side.
 *   1. pure C, same process (test/bench/codec-g722-bench.c links both): DSP cost only.
 *   2. ours through N-API from JavaScript (what Strowger pays) against spandsp's C time.
 * Target: ours/spandsp <= 1.0. Run: npx tsx test/bench/codec-g722.ts
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nativeAddon } from '../../src/codec/native';
import { speechLike } from '../unit/codec/test-signals';
import { fmt, interleaved, ratio } from './_codec-bench-util';

/** Inclusive instruction counts per frame from one callgrind run (null without valgrind). */
function instructionCounts(prog: string, pcmPath: string): { oursEnc: number; spEnc: number; oursDec: number; spDec: number } | null {
  const frames = 300;
  const out = join(dir, 'callgrind.out');
  try {
    execFileSync('valgrind', ['--tool=callgrind', `--callgrind-out-file=${out}`, prog, pcmPath, String(frames), '1'], { stdio: 'pipe', timeout: 120_000 });
    const report = execFileSync('callgrind_annotate', ['--inclusive=yes', out], { encoding: 'utf8' });
    const count = (fn: string): number => {
      for (const line of report.split('\n')) {
        const t = line.trim();
        const colon = t.lastIndexOf(':');
        const name = t.slice(colon + 1).split(' ')[0];
        if (colon > 0 && name === fn) return Number(t.split(' ')[0]!.split(',').join('')) / frames;
      }
      return NaN;
    };
    return { oursEnc: count('stw_g722_encode'), spEnc: count('g722_encode'), oursDec: count('stw_g722_decode'), spDec: count('g722_decode') };
  } catch {
    return null;
  }
}

const here = fileURLToPath(new URL('.', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'strowger-bench-g722-'));
try {
  const pcm = speechLike(16000, 10, 11);
  const pcmPath = join(dir, 'speech.pcm');
  writeFileSync(pcmPath, new Uint8Array(pcm.buffer));
  const prog = join(dir, 'bench');
  execFileSync('gcc', ['-O3', '-funroll-loops', '-I', join(here, '../../native/src'), '-o', prog, join(here, 'codec-g722-bench.c'), join(here, '../../native/src/g722.c'), '-lspandsp'], { stdio: 'inherit' });
  const FRAMES = 4000;
  const [oursEnc, spEnc, oursDec, spDec] = execFileSync(prog, [pcmPath, String(FRAMES)], { encoding: 'utf8' }).trim().split(' ').map(Number) as [number, number, number, number];
  const instr = instructionCounts(prog, pcmPath);

  const n = nativeAddon();
  if (!n) throw new Error('native addon not built');
  const enc = n.g722EncoderCreate();
  const dec = n.g722DecoderCreate();
  const frames = pcm.length / 320;
  const codes = new Uint8Array(160 * frames);
  const out = new Int16Array(320);
  let i = 0;
  // subarray() allocates; measure the same call on fixed views too
  const inView = pcm.subarray(0, 320);
  const outView = codes.subarray(0, 160);
  const t = interleaved(
    {
      enc: () => {
        const f = i++ % frames;
        n.g722Encode(enc, pcm.subarray(f * 320, f * 320 + 320), codes.subarray(f * 160, f * 160 + 160));
      },
      encFixed: () => n.g722Encode(enc, inView, outView),
      decFixed: () => n.g722Decode(dec, outView, out),
    },
    FRAMES,
  );
  const [jsEnc, jsEncFixed, jsDecFixed] = [t.enc, t.encFixed, t.decFixed];

  console.log('G.722 64 kbit/s, one 20 ms frame (320 samples <-> 160 bytes), best of 15 interleaved rounds (C) and 9 (N-API)');
  console.log(`  C    encode: ours ${fmt(oursEnc)}  spandsp ${fmt(spEnc)}  ours/spandsp ${ratio(oursEnc, spEnc)}`);
  console.log(`  C    decode: ours ${fmt(oursDec)}  spandsp ${fmt(spDec)}  ours/spandsp ${ratio(oursDec, spDec)}`);
  if (instr) {
    console.log(`  C    instructions per frame (callgrind, load-independent): encode ours ${instr.oursEnc.toFixed(0)} spandsp ${instr.spEnc.toFixed(0)} ratio ${ratio(instr.oursEnc, instr.spEnc)}; decode ours ${instr.oursDec.toFixed(0)} spandsp ${instr.spDec.toFixed(0)} ratio ${ratio(instr.oursDec, instr.spDec)}`);
  } else {
    console.log('  (valgrind not installed: no instruction counts)');
  }
  console.log(`  N-API encode (fixed views):   ${fmt(jsEncFixed)}  vs spandsp C ${ratio(jsEncFixed, spEnc)}`);
  console.log(`  N-API encode (+2 subarray):   ${fmt(jsEnc)}  vs spandsp C ${ratio(jsEnc, spEnc)}`);
  console.log(`  N-API decode (fixed views):   ${fmt(jsDecFixed)}  vs spandsp C ${ratio(jsDecFixed, spDec)}`);
  n.free(enc);
  n.free(dec);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
