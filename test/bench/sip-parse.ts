/**
 * SIP parse throughput: our parseMessage vs the npm `sip` package's parser, side by side in one
 * run (absolute numbers on a shared machine are noise; the ratio is the signal).
 *
 *   npx tsx test/bench/sip-parse.ts [--ms=1000]
 *
 * Targets (issue 2): >= 100,000 INVITE parses/s on one core and >= 3x the baseline.
 *
 * What each side does per message (both get the datagram as a Buffer, as their UDP transports do):
 *
 * - `sip` (baseline) parses eagerly: start line (Request-URI left a string), every Via, From, To,
 *   Contact (name-addrs with params; URIs left strings), CSeq, Content-Length; other headers stay
 *   strings. We read fields of its result and add only sip.parseUri on To's URI, because the
 *   bench reads To's host and our getTo hands out a parsed URI. Nothing else is added to it.
 * - ours is lazy: parseMessage checks every line and parses the Request-URI and Content-Length;
 *   header values are parsed when an accessor asks. So we call the accessors:
 *     "txn" reads what the transaction layer needs on every message: top Via branch, Call-ID,
 *       CSeq, From tag, To (the set issue 2's bench was written with);
 *     "all" also reads every Via and Contact, so our work covers everything `sip` hands its
 *       callers eagerly (the stricter of the two rows the 3x target is printed for).
 *   Ours still does more than the baseline in "all": it parses the Request-URI, From's URI and
 *   every Contact URI (sip leaves them strings), and it rejects bare CR/LF and non-token header
 *   names; sip, for its part, cuts every other header value out as a string.
 *     "eq" evens that out: the baseline also runs sip.parseUri on the Request-URI,
 *       From and every Contact, and ours also reads every header value as a string.
 *
 * Measurement: the two sides alternate in short batches for --ms of CPU time per side per row
 * (CPU time, not wall time: other processes on the box do not count), so machine noise hits both
 * alike. Rates are per CPU-second of one core, from the total time over all batches; "best"
 * is the fastest 1/8 of batches, closer to an idle machine.
 *
 * Status (2-core shared box, Node 20): see the numbers in the last commit that touched this file
 * and `git log -- src/sip/message`. Where ours spends its time (cpu profile, "all" INVITE): about
 * 40% checking the 15 lines (two native indexOf per line, header names matched with their colon
 * against a byte table), 10% fixed costs (isAscii, one latin1 decode, the body view), 45% the
 * Via/From/To/Contact/CSeq parsers (byte scanners over the message bytes, strings cut from the
 * text; per-char class checks and ~40 small allocations), GC the rest.
 */
import { createRequire } from 'node:module';
import {
  getBranch, getCSeq, getCallId, getContacts, getFromTag, getTo, getVias, parseMessage,
} from '../../src/sip/message/index';
import { Headers } from '../../src/sip/message/headers';

const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const sip = require('sip') as { parse(b: Buffer | string): any; parseUri(s: string): any };

const MS = Number(process.argv.find((a) => a.startsWith('--ms='))?.slice(5) ?? 1000);
const BATCH = 200;

const SDP = [
  'v=0',
  'o=alice 2890844526 2890844526 IN IP4 192.0.2.101',
  's=-',
  'c=IN IP4 192.0.2.101',
  't=0 0',
  'm=audio 49170 RTP/AVP 0 8 9 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:9 G722/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-16',
  'a=ptime:20',
  'a=sendrecv',
  '',
].join('\r\n');

function message(lines: string[], body = ''): Buffer {
  const b = Buffer.from(body);
  return Buffer.from(lines.join('\r\n') + `\r\nContent-Length: ${b.length}\r\n\r\n` + body);
}

const INVITE = message([
  'INVITE sip:bob@biloxi.example.com SIP/2.0',
  'Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhds;rport',
  'Max-Forwards: 70',
  'To: Bob <sip:bob@biloxi.example.com>',
  'From: "Alice Liddell" <sip:alice@atlanta.example.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710@pc33.atlanta.example.com',
  'CSeq: 314159 INVITE',
  'Contact: <sip:alice@192.0.2.101:5060;transport=udp>',
  'Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, NOTIFY, MESSAGE, SUBSCRIBE, INFO, UPDATE',
  'Supported: replaces, timer',
  'Session-Expires: 1800;refresher=uac',
  'Accept: application/sdp',
  'User-Agent: Strowger-Bench/1.0',
  'Content-Type: application/sdp',
], SDP);

const REGISTER = message([
  'REGISTER sip:registrar.biloxi.example.com SIP/2.0',
  'Via: SIP/2.0/UDP bobspc.biloxi.example.com:5060;branch=z9hG4bKnashds7;rport',
  'Max-Forwards: 70',
  'To: Bob <sip:bob@biloxi.example.com>',
  'From: Bob <sip:bob@biloxi.example.com>;tag=456248',
  'Call-ID: 843817637684230@998sdasdh09',
  'CSeq: 1826 REGISTER',
  'Contact: <sip:bob@192.0.2.4:5060>;expires=3600',
  'Expires: 7200',
  'User-Agent: Strowger-Bench/1.0',
]);

let sink = 0;

function oursTxn(buf: Buffer): void {
  const r = parseMessage(buf);
  if (!r.ok) throw new Error(r.error);
  const m = r.msg;
  sink += (getBranch(m)?.length ?? 0) + (getCallId(m)?.length ?? 0) + (getCSeq(m)?.seq ?? 0);
  sink += (getFromTag(m)?.length ?? 0) + (getTo(m)?.uri.host.length ?? 0);
}

function baselineTxn(buf: Buffer): void {
  const m = sip.parse(buf);
  if (!m) throw new Error('sip.parse failed');
  const h = m.headers;
  sink += (h.via[0].params.branch?.length ?? 0) + h['call-id'].length + h.cseq.seq;
  sink += (h.from.params.tag?.length ?? 0) + (sip.parseUri(h.to.uri)?.host.length ?? 0);
}

function oursAll(buf: Buffer): void {
  const r = parseMessage(buf);
  if (!r.ok) throw new Error(r.error);
  const m = r.msg;
  sink += (getBranch(m)?.length ?? 0) + (getCallId(m)?.length ?? 0) + (getCSeq(m)?.seq ?? 0);
  sink += (getFromTag(m)?.length ?? 0) + (getTo(m)?.uri.host.length ?? 0);
  sink += getVias(m).length + getContacts(m).length;
}

function baselineAll(buf: Buffer): void {
  const m = sip.parse(buf);
  if (!m) throw new Error('sip.parse failed');
  const h = m.headers;
  sink += (h.via[0].params.branch?.length ?? 0) + h['call-id'].length + h.cseq.seq;
  sink += (h.from.params.tag?.length ?? 0) + (sip.parseUri(h.to.uri)?.host.length ?? 0);
  sink += h.via.length + h.contact.length;
}

/*
 * "eq": the same information materialised on both sides, field for field. "all" is not quite
 * that: ours also parses three URIs sip leaves as strings (Request-URI, From, Contact), while sip
 * also cuts every other header value out as a string (ours leaves them as ranges until read).
 * Here the baseline parses those three URIs with sip.parseUri and ours reads every header value
 * as a string; nothing else differs from "all". The baseline "does the same job", so the
 * 3x target is printed for "eq" (the same job) and, stricter, for "all" (ours doing more).
 */
let valueLengths = 0;
function addValueLength(_name: string, value: string): void {
  valueLengths += value.length;
}

function oursEqValues(buf: Buffer): void {
  const r = parseMessage(buf);
  if (!r.ok) throw new Error(r.error);
  const m = r.msg;
  sink += (getBranch(m)?.length ?? 0) + (getCallId(m)?.length ?? 0) + (getCSeq(m)?.seq ?? 0);
  sink += (getFromTag(m)?.length ?? 0) + (getTo(m)?.uri.host.length ?? 0);
  sink += getVias(m).length + getContacts(m).length;
  if (!(m.headers instanceof Headers)) throw new Error('parseMessage gave no Headers');
  m.headers.forEach(addValueLength);
}

function baselineEq(buf: Buffer): void {
  const m = sip.parse(buf);
  if (!m) throw new Error('sip.parse failed');
  const h = m.headers;
  sink += (h.via[0].params.branch?.length ?? 0) + h['call-id'].length + h.cseq.seq;
  sink += (h.from.params.tag?.length ?? 0) + (sip.parseUri(h.to.uri)?.host.length ?? 0);
  sink += h.via.length + h.contact.length;
  sink += (sip.parseUri(m.uri)?.host.length ?? 0) + (sip.parseUri(h.from.uri)?.host.length ?? 0);
  for (const c of h.contact) sink += sip.parseUri(c.uri)?.host.length ?? 0;
}

/** Process CPU time in ms: unlike wall time it does not count the time other processes hold the core. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

interface Side {
  total: number;
  batches: number[];
}

/** Alternates a and b in batches until each has used ~ms of CPU; returns ms per batch, per side. */
function race(a: (b: Buffer) => void, b: (b: Buffer) => void, buf: Buffer, ms: number): [Side, Side] {
  for (let i = 0; i < 5000; i++) {
    a(buf);
    b(buf);
  }
  const sides: [Side, Side] = [{ total: 0, batches: [] }, { total: 0, batches: [] }];
  const fns = [a, b];
  while (sides[0].total < ms || sides[1].total < ms) {
    for (let k = 0; k < 2; k++) {
      const fn = fns[k]!;
      const t0 = cpuMs();
      for (let i = 0; i < BATCH; i++) fn(buf);
      const dt = cpuMs() - t0;
      sides[k]!.total += dt;
      sides[k]!.batches.push(dt);
    }
  }
  return sides;
}

/** Operations per CPU-second: over all batches, and over the fastest eighth of them. */
function rates(s: Side): { all: number; best: number } {
  const sorted = [...s.batches].sort((x, y) => x - y);
  const fast = sorted.slice(0, Math.max(1, Math.floor(sorted.length / 8)));
  const fastMs = fast.reduce((x, y) => x + y, 0);
  return { all: (s.batches.length * BATCH * 1000) / s.total, best: (fast.length * BATCH * 1000) / fastMs };
}

function fmt(x: number): string {
  return Math.round(x).toLocaleString('en-US').padStart(10);
}

console.log(`SIP parse benchmark (~${MS} ms CPU per side per row, batches of ${BATCH} alternating; node ${process.version})`);
console.log(`INVITE ${INVITE.length} bytes, REGISTER ${REGISTER.length} bytes\n`);
console.log('row            strowger/s    sip(npm)/s    ratio   best-batch ratio   (per CPU-second, one core)');
const ratios: Record<'txn' | 'all' | 'eq', number[]> = { txn: [], all: [], eq: [] };
let inviteAll = 0;
for (const [load, ours, base] of [['txn', oursTxn, baselineTxn], ['all', oursAll, baselineAll], ['eq', oursEqValues, baselineEq]] as const) {
  for (const [name, buf] of [['INVITE', INVITE], ['REGISTER', REGISTER]] as const) {
    const [a, b] = race(ours, base, buf, MS);
    const ra = rates(a);
    const rb = rates(b);
    ratios[load].push(ra.all / rb.all);
    if (load === 'all' && name === 'INVITE') inviteAll = ra.all;
    const row = `${name} ${load}`.padEnd(13);
    console.log(`${row} ${fmt(ra.all)}    ${fmt(rb.all)}    ${(ra.all / rb.all).toFixed(2)}x   ${(ra.best / rb.best).toFixed(2)}x`);
  }
}
if (sink === 43) console.log(valueLengths);
const verdict = (load: 'all' | 'eq') => {
  const worst = Math.min(...ratios[load]);
  return `${worst >= 3 ? 'met' : 'NOT met'} (lowest ${worst.toFixed(2)}x)`;
};
console.log(`\ntargets: INVITE >= 100,000/s ("all" row): ${inviteAll >= 100_000 ? 'met' : 'NOT met'}`);
console.log(`  >= 3x baseline on both messages, same information on both sides ("eq" rows): ${verdict('eq')}`);
console.log(`  >= 3x baseline on both messages, ours also parsing the URIs sip leaves strings ("all" rows): ${verdict('all')}`);
if (sink === 42) console.log('');
