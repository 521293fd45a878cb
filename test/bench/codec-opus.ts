/**
 * PCMU <-> opus per 20 ms frame through createPayloadTranscoder (generic path: Codec + Resampler),
 * both directions, encoder complexity 5 (our default) against 10, and opus at 48 kHz against opus
 * running at 8 kHz inside (no resampling). Ratios are measured in the same run, interleaved.
 * Run: npx tsx test/bench/codec-opus.ts
 */
import { createCodec, createPayloadTranscoder, parseCodecString, type CodecDescription } from '../../src/codec/index';
import { ulawEncode } from '../../src/codec/g711';
import { speechLike } from '../unit/codec/test-signals';
import { fmt, interleaved, ratio } from './_codec-bench-util';

const [PCMU, OPUS48, OPUS8] = parseCodecString('PCMU,opus,opus@8000h') as [CodecDescription, CodecDescription, CodecDescription];
const speech = speechLike(8000, 2, 31);
const frames = speech.length / 160;
const pcmu: Uint8Array[] = [];
for (let f = 0; f < frames; f++) {
  const p = new Uint8Array(160);
  ulawEncode(speech.subarray(f * 160, f * 160 + 160), p);
  pcmu.push(p);
}

/** Pre-encode the speech as opus packets for the decode direction. */
function opusPackets(d: CodecDescription): Uint8Array[] {
  const t = createPayloadTranscoder(PCMU, d);
  const out = new Uint8Array(t.maxOutputBytes);
  const list = pcmu.map((p) => out.slice(0, t.transcode(p, out)));
  t.close();
  return list;
}

const to48c5 = createPayloadTranscoder(PCMU, OPUS48, { complexity: 5 });
const to48c10 = createPayloadTranscoder(PCMU, OPUS48, { complexity: 10 });
const to8c5 = createPayloadTranscoder(PCMU, OPUS8, { complexity: 5 });
const to8c10 = createPayloadTranscoder(PCMU, OPUS8, { complexity: 10 });
const from48 = createPayloadTranscoder(OPUS48, PCMU);
const from8 = createPayloadTranscoder(OPUS8, PCMU);
const pk48 = opusPackets(OPUS48);
const pk8 = opusPackets(OPUS8);
const buf = new Uint8Array(4000);
const pcmuOut = new Uint8Array(160);
const counters = { a: 0, b: 0, c: 0, d: 0, e: 0, f: 0 };
const ITER = 500;

const t = interleaved(
  {
    pcmuToOpus48c5: () => to48c5.transcode(pcmu[counters.a++ % frames]!, buf),
    pcmuToOpus48c10: () => to48c10.transcode(pcmu[counters.b++ % frames]!, buf),
    pcmuToOpus8c5: () => to8c5.transcode(pcmu[counters.c++ % frames]!, buf),
    pcmuToOpus8c10: () => to8c10.transcode(pcmu[counters.d++ % frames]!, buf),
    opus48ToPcmu: () => from48.transcode(pk48[counters.e++ % frames]!, pcmuOut),
    opus8ToPcmu: () => from8.transcode(pk8[counters.f++ % frames]!, pcmuOut),
  },
  ITER,
  7,
);

// Baseline in the same run: the PCMU codec's own decode+encode of a frame.
const g711 = createCodec(PCMU);
const pcm = new Int16Array(160);
const base = interleaved({ g711: () => (g711.decode(pcmu[0]!, pcm), g711.encode(pcm, pcmuOut)) }, 20000, 5).g711;

console.log('PCMU <-> opus, one 20 ms frame, mono, VBR, voip; best of 7 interleaved rounds');
console.log(`  PCMU -> opus@48000 complexity 5:  ${fmt(t.pcmuToOpus48c5)}   complexity 10: ${fmt(t.pcmuToOpus48c10)}   c10/c5 ${ratio(t.pcmuToOpus48c10, t.pcmuToOpus48c5)}`);
console.log(`  PCMU -> opus@8000h complexity 5:  ${fmt(t.pcmuToOpus8c5)}   complexity 10: ${fmt(t.pcmuToOpus8c10)}   c10/c5 ${ratio(t.pcmuToOpus8c10, t.pcmuToOpus8c5)}`);
console.log(`  opus@48000 -> PCMU:               ${fmt(t.opus48ToPcmu)}   opus@8000h -> PCMU: ${fmt(t.opus8ToPcmu)}   48k/8k ${ratio(t.opus48ToPcmu, t.opus8ToPcmu)}`);
console.log(`  encode side 48k/8k (c5): ${ratio(t.pcmuToOpus48c5, t.pcmuToOpus8c5)}; baseline PCMU decode+encode ${fmt(base)}: c5 PCMU->opus48 is ${ratio(t.pcmuToOpus48c5, base)} of it`);
for (const x of [to48c5, to48c10, to8c5, to8c10, from48, from8, g711]) x.close();
