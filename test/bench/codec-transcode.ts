/**
 * PCMU (8 kHz) -> L16 -> 16 kHz -> G.722, one 20 ms frame, through the TypeScript API.
 *   fused:   createPayloadTranscoder(PCMU, G722).transcode()  (one native call)
 *   stepped: Codec.decode -> Resampler.process -> Codec.encode (three native calls)
 * Baseline measured in the same run: the native G.722 encode of one 320-sample frame alone.
 * Target: fused < 30 µs per frame. Run: npx tsx test/bench/codec-transcode.ts
 */
import { createCodec, createPayloadTranscoder, createResampler, nativeAddon, parseCodecString } from '../../src/codec/index';
import { ulawEncode } from '../../src/codec/g711';
import { speechLike } from '../unit/codec/test-signals';
import { fmt, interleaved, ratio } from './_codec-bench-util';

const n = nativeAddon();
if (!n) throw new Error('native addon not built (npm install)');
const [PCMU, G722] = parseCodecString('PCMU,G722');

const speech8 = speechLike(8000, 2, 21);
const frames = speech8.length / 160;
const payloads: Uint8Array[] = [];
for (let f = 0; f < frames; f++) {
  const p = new Uint8Array(160);
  ulawEncode(speech8.subarray(f * 160, f * 160 + 160), p);
  payloads.push(p);
}
const ITER = 4000;

const fused = createPayloadTranscoder(PCMU!, G722!);
const out = new Uint8Array(fused.maxOutputBytes);
const pcmu = createCodec(PCMU!);
const g722 = createCodec(G722!);
const rs = createResampler(8000, 16000);
const pcm8 = new Int16Array(160);
const pcm16 = new Int16Array(320);
const enc = n.g722EncoderCreate();
const speech16 = speechLike(16000, 0.02, 22);
let i = 0;
let j = 0;
const t = interleaved(
  {
    fused: () => fused.transcode(payloads[i++ % frames]!, out),
    stepped: () => {
      pcmu.decode(payloads[j++ % frames]!, pcm8);
      rs.process(pcm8, pcm16);
      g722.encode(pcm16, out);
    },
    encode: () => n.g722Encode(enc, speech16, out),
    resample: () => rs.process(pcm8, pcm16),
    ulaw: () => n.ulawDecode(payloads[0]!, pcm8),
  },
  ITER,
);
const [tFused, tStepped, tEncode, tResample, tUlaw] = [t.fused, t.stepped, t.encode, t.resample, t.ulaw];

console.log('PCMU -> 16 kHz -> G.722, one 20 ms frame (160 B in, 160 B out), best of 9 interleaved rounds');
console.log(`  fused transcode():               ${fmt(tFused)}  (target < 30 µs: ${tFused < 30000 ? 'met' : 'NOT met'})  ratio to G.722 encode ${ratio(tFused, tEncode)}`);
console.log(`  stepped decode+resample+encode:  ${fmt(tStepped)}  ratio to G.722 encode ${ratio(tStepped, tEncode)}`);
console.log(`  baseline G.722 encode alone:     ${fmt(tEncode)}`);
console.log(`  parts: resample 8k->16k ${fmt(tResample)}, µ-law decode ${fmt(tUlaw)}`);
fused.close();
pcmu.close();
g722.close();
rs.close();
n.free(enc);
