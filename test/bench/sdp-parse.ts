/**
 * SDP parse / serialize / negotiate throughput, as ratios against sdp-transform (npm) measured
 * in the same run on the same input. Run: npx tsx test/bench/sdp-parse.ts
 * About 5 seconds in all.
 */
import * as sdpTransform from 'sdp-transform';
import { negotiate, parseSdp, serializeSdp, type LocalCodecPref } from '../../src/sdp';

const OFFER = [
  'v=0',
  'o=- 3912345678 3912345679 IN IP4 192.168.1.20',
  's=pjmedia',
  'b=AS:84',
  't=0 0',
  'a=X-nat:0',
  'm=audio 4000 RTP/AVP 96 9 8 0 101 13',
  'c=IN IP4 192.168.1.20',
  'b=TIAS:64000',
  'a=rtcp:4001 IN IP4 192.168.1.20',
  'a=rtpmap:96 opus/48000/2',
  'a=fmtp:96 useinbandfec=1;maxplaybackrate=16000',
  'a=rtpmap:9 G722/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-16',
  'a=rtpmap:13 CN/8000',
  'a=ptime:20',
  'a=maxptime:60',
  'a=sendrecv',
  '',
].join('\r\n');

const PREFS: LocalCodecPref[] = [
  { name: 'opus', clockRate: 48000, ptime: 20, channels: 2 },
  { name: 'G722', clockRate: 8000, ptime: 20 },
  { name: 'PCMU', clockRate: 8000, ptime: 20 },
  { name: 'PCMA', clockRate: 8000, ptime: 20 },
];

let sink = 0;

/** ops/s of fn over ~ms milliseconds. */
function rate(fn: () => void, ms: number): number {
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    for (let i = 0; i < 200; i++) fn();
    n += 200;
    t = performance.now();
  }
  return (n * 1000) / (t - t0);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/**
 * Ours and the baseline alternate in short slices (7 rounds) so that load from other processes
 * on this shared machine hits both alike; the median per-round ratio is reported.
 */
function compare(name: string, ours: () => void, baseline: () => void): void {
  rate(ours, 250); // warm-up (JIT)
  rate(baseline, 250);
  const a: number[] = [];
  const b: number[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < 7; r++) {
    const x = rate(ours, 80);
    const y = rate(baseline, 80);
    a.push(x);
    b.push(y);
    ratios.push(x / y);
  }
  const fmt = (v: number) => Math.round(v).toLocaleString('en-US').padStart(9);
  console.log(`${name.padEnd(34)} ours ${fmt(median(a))} ops/s  baseline ${fmt(median(b))} ops/s  ratio ${median(ratios).toFixed(2)}x`);
}

const model = parseSdp(OFFER);
const theirModel = sdpTransform.parse(OFFER);

compare(
  'parse (vs sdp-transform.parse)',
  () => {
    sink += parseSdp(OFFER).media.length;
  },
  () => {
    sink += sdpTransform.parse(OFFER).media.length;
  },
);
compare(
  'serialize (vs sdp-transform.write)',
  () => {
    sink += serializeSdp(model).length;
  },
  () => {
    sink += sdpTransform.write(theirModel).length;
  },
);
compare(
  'parse+negotiate+serialize answer',
  () => {
    const r = negotiate({ offer: parseSdp(OFFER), localPrefs: PREFS, policy: 'generous', localIp: '203.0.113.5', localPort: 30000, origin: { sessionId: '1' } });
    if (r.ok) sink += serializeSdp(r.answer).length;
  },
  () => {
    // baseline: what sdp-transform needs just to read the offer and write some answer text
    const p = sdpTransform.parse(OFFER);
    sink += sdpTransform.write(p).length;
  },
);
if (sink === 42) console.log('');
