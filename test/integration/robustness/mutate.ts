/**
 * Seeded SIP message mutator for the wire fuzz (security.md §5 G3/G5, brief 14 §1).
 *
 *   corpus (RFC 4475 + RFC 5118 files, typical INVITE/REGISTER/OPTIONS/...)
 *     ─▶ pick one (per-index RNG) ─▶ freshen branch + Call-ID (so the transaction layer does not
 *        absorb everything as retransmissions) ─▶ 1..4 mutators ─▶ maybe fix Content-Length
 *
 * Every input is a pure function of (seed, index): `mutationAt(corpus, seed, i)` regenerates any
 * single input, so a failure report "seed S, batch i..j" is enough to replay it. Scans, no regex.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
export const FIXTURES = resolve(HERE, '../../../../shared/fixtures');

// ------------------------------------------------------------------ PRNG

/** xorshift32 over a seed scrambled by a 32-bit integer hash; deterministic across platforms. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    let x = seed >>> 0 || 0x9e3779b9;
    x = Math.imul(x ^ (x >>> 16), 0x45d9f3b) >>> 0;
    x = Math.imul(x ^ (x >>> 16), 0x45d9f3b) >>> 0;
    this.s = (x ^ (x >>> 16)) >>> 0 || 1;
  }
  u32(): number {
    let x = this.s;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s;
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return n <= 1 ? 0 : this.u32() % n;
  }
  /** Integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  chance(p: number): boolean {
    return this.u32() / 0x100000000 < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
}

/** The RNG of input `index` under `seed` (independent of every other index). */
export function rngFor(seed: number, index: number): Rng {
  return new Rng((Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca77)) >>> 0);
}

// ------------------------------------------------------------------ corpus

export interface CorpusEntry {
  name: string;
  bytes: Buffer;
}

/** RFC 5118 files: LF -> CRLF, close the header section, recompute Content-Length (its README). */
export function crlf5118(raw: Buffer): Buffer {
  let text = raw.toString('latin1').split('\r\n').join('\n').split('\n').join('\r\n');
  if (text.indexOf('\r\n\r\n') < 0) text += text.endsWith('\r\n') ? '\r\n' : '\r\n\r\n';
  return fixContentLength(Buffer.from(text, 'latin1'));
}

/** Typical requests a phone sends, aimed at `server` from `client` (ip:port strings). */
export function typicalRequests(server: string, client: string): CorpusEntry[] {
  const [cip] = client.split(':');
  const sdp =
    `v=0\r\no=- 1 1 IN IP4 ${cip}\r\ns=-\r\nc=IN IP4 ${cip}\r\nt=0 0\r\n` +
    `m=audio 40000 RTP/AVP 0 8 9 111 101\r\na=rtpmap:111 opus/48000/2\r\na=fmtp:111 useinbandfec=1\r\n` +
    `a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\na=sendrecv\r\n`;
  const head = (method: string, ruri: string, extra: string, cseq = 1) =>
    `${method} ${ruri} SIP/2.0\r\nVia: SIP/2.0/UDP ${client};branch=z9hG4bKfz${method.toLowerCase()};rport\r\n` +
    `Max-Forwards: 70\r\nFrom: "Fuzz" <sip:1001@${server}>;tag=fz1\r\nTo: <${ruri}>\r\n` +
    `Call-ID: fz-${method.toLowerCase()}@${cip}\r\nCSeq: ${cseq} ${method}\r\nContact: <sip:1001@${client};transport=udp>\r\n` +
    `User-Agent: fuzz/1\r\n${extra}`;
  const msg = (h: string, body = '', type?: string) =>
    Buffer.from(`${h}${type ? `Content-Type: ${type}\r\n` : ''}Content-Length: ${Buffer.byteLength(body, 'latin1')}\r\n\r\n${body}`, 'latin1');
  const auth =
    `Authorization: Digest username="1001", realm="${server.split(':')[0]}", nonce="abcdef0123456789", ` +
    `uri="sip:${server}", response="0123456789abcdef0123456789abcdef", algorithm=MD5, qop=auth, nc=00000001, cnonce="c0ffee"\r\n`;
  return [
    { name: 'invite', bytes: msg(head('INVITE', `sip:1000@${server}`, 'Allow: INVITE, ACK, BYE, CANCEL, OPTIONS\r\nSupported: timer\r\n'), sdp, 'application/sdp') },
    { name: 'register', bytes: msg(head('REGISTER', `sip:${server}`, 'Expires: 3600\r\n').replace(`To: <sip:${server}>`, `To: <sip:1001@${server}>`)) },
    { name: 'register-auth', bytes: msg(head('REGISTER', `sip:${server}`, `Expires: 60\r\n${auth}`, 2).replace(`To: <sip:${server}>`, `To: <sip:1001@${server}>`)) },
    { name: 'options', bytes: msg(head('OPTIONS', `sip:${server}`, 'Accept: application/sdp\r\n')) },
    { name: 'bye', bytes: msg(head('BYE', `sip:1000@${server}`, '', 2).replace(`To: <sip:1000@${server}>`, `To: <sip:1000@${server}>;tag=srv`)) },
    { name: 'cancel', bytes: msg(head('CANCEL', `sip:1000@${server}`, '').replace('branch=z9hG4bKfzcancel', 'branch=z9hG4bKfzinvite').replace('fz-cancel@', 'fz-invite@')) },
    { name: 'ack', bytes: msg(head('ACK', `sip:1000@${server}`, '').replace('branch=z9hG4bKfzack', 'branch=z9hG4bKfzinvite').replace('fz-ack@', 'fz-invite@')) },
    { name: 'message', bytes: msg(head('MESSAGE', `sip:1000@${server}`, ''), 'hello', 'text/plain') },
    { name: 'subscribe', bytes: msg(head('SUBSCRIBE', `sip:1000@${server}`, 'Event: presence\r\nExpires: 600\r\n')) },
    { name: 'response-200', bytes: Buffer.from(`SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP ${server};branch=z9hG4bKsrv\r\nFrom: <sip:a@${server}>;tag=1\r\nTo: <sip:b@${cip}>;tag=2\r\nCall-ID: fz-resp\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`, 'latin1') },
  ];
}

/** Every RFC 4475 file, every RFC 5118 file (CRLF-converted) and the typical requests. */
export function loadCorpus(server: string, client: string): CorpusEntry[] {
  const out: CorpusEntry[] = [];
  for (const suite of ['rfc4475', 'rfc5118']) {
    const manifest = JSON.parse(readFileSync(resolve(FIXTURES, suite, 'manifest.json'), 'utf8')) as { messages: Array<{ name: string; file: string }> };
    for (const m of manifest.messages) {
      const raw = readFileSync(resolve(FIXTURES, suite, m.file));
      out.push({ name: `${suite}/${m.name}`, bytes: suite === 'rfc5118' ? crlf5118(raw) : raw });
    }
  }
  // Typical traffic twice: most real input looks like it.
  const typical = typicalRequests(server, client);
  out.push(...typical, ...typical);
  return out;
}

// ------------------------------------------------------------------ text helpers

interface Split {
  lines: string[];
  body: string;
  /** False when the input had no CRLFCRLF (the whole thing is lines). */
  closed: boolean;
}

function split(buf: Buffer): Split {
  const text = buf.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return { lines: text.split('\r\n'), body: '', closed: false };
  return { lines: text.slice(0, end).split('\r\n'), body: text.slice(end + 4), closed: true };
}

function join(s: Split): Buffer {
  return Buffer.from(s.lines.join('\r\n') + (s.closed ? '\r\n\r\n' + s.body : ''), 'latin1');
}

function headerName(line: string): string {
  const colon = line.indexOf(':');
  return colon > 0 ? line.slice(0, colon).trim().toLowerCase() : '';
}

/** Sets Content-Length (every CL/l header) to the body's byte length; adds one when absent. */
export function fixContentLength(buf: Buffer): Buffer {
  const s = split(buf);
  if (!s.closed) return buf;
  const len = Buffer.byteLength(s.body, 'latin1');
  let found = false;
  s.lines = s.lines.map((l, i) => {
    const n = i === 0 ? '' : headerName(l);
    if (n !== 'content-length' && n !== 'l') return l;
    found = true;
    return `${l.slice(0, l.indexOf(':'))}: ${len}`;
  });
  if (!found) s.lines.push(`Content-Length: ${len}`);
  return join(s);
}

/** Unique branch and Call-ID per input, so most inputs reach the TU instead of matching a transaction. */
export function freshen(buf: Buffer, tag: string): Buffer {
  const s = split(buf);
  s.lines = s.lines.map((l, i) => {
    if (i === 0) return l;
    const n = headerName(l);
    if (n === 'call-id' || n === 'i') {
      const colon = l.indexOf(':');
      return `${l.slice(0, colon + 1)} ${tag}-${l.slice(colon + 1).trim()}`;
    }
    if (n === 'via' || n === 'v') return l.split('branch=z9hG4bK').join(`branch=z9hG4bK${tag}`);
    return l;
  });
  return join(s);
}

// ------------------------------------------------------------------ mutators

type Mutator = (b: Buffer, r: Rng) => Buffer;

const CTL = [0, 1, 7, 8, 9, 10, 11, 12, 13, 0x16, 0x1b, 0x1f, 0x7f];
const FILLERS = [';', ',', ' ', '"', '<', '>', 'A', '%', '\\', ':', '=', '@', '[', '\t'];
const HUGE = [256, 1024, 4096, 16_384, 40_000, 64_000];
const NUMBERS = ['0', '-1', '-0', '00000000000000000001', '4294967295', '4294967296', '18446744073709551616', '99999999999999999999999999', '65535', '65536', '1e3', '0x10', '12abc', '+5', '', ' ', '\u0663'];
const EVIL_URIS = ['sip:@h', 'sip::5060', 'sip:u@h:0', 'sip:u@h:99999', 'sip:u@[::1', 'sip:u@h;;;', 'tel:+4412345', '<sip:a@b>', 'sip:%00@h', 'sips:u@h?Route=%3Csip:x%3E', 'sip:u@255.255.255.255', 'sip:u@192.0.2.1:5060;maddr=224.0.0.1', 'sip:' + 'a'.repeat(5000) + '@h', 'x', '*'];
const EVIL_CL = ['-1', '-999', '99999999999999999999', '1e3', '0x10', '12abc', '', '+5', ' 5 5', '4294967296', '65537'];

function randomBytes(r: Rng, n: number, from = 0, to = 255): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = r.range(from, to);
  return b;
}

function insertAt(b: Buffer, at: number, ins: Buffer): Buffer {
  return Buffer.concat([b.subarray(0, at), ins, b.subarray(at)]);
}

/** Apply fn to one random header line (never the start line); no-op without headers. */
function onHeaderLine(b: Buffer, r: Rng, fn: (line: string, s: Split, i: number) => string | string[]): Buffer {
  const s = split(b);
  if (s.lines.length < 2) return b;
  const i = r.range(1, s.lines.length - 1);
  const out = fn(s.lines[i]!, s, i);
  s.lines.splice(i, 1, ...(Array.isArray(out) ? out : [out]));
  return join(s);
}

const valueOf = (line: string) => (line.indexOf(':') >= 0 ? line.slice(line.indexOf(':') + 1) : line);
const nameOf = (line: string) => (line.indexOf(':') >= 0 ? line.slice(0, line.indexOf(':')) : line);

export const MUTATORS: Record<string, Mutator> = {
  byteFlip: (b, r) => {
    if (b.length === 0) return b;
    const c = Buffer.from(b);
    for (let k = r.range(1, 8); k > 0; k--) c[r.int(c.length)] = r.int(256);
    return c;
  },
  bitFlip: (b, r) => {
    if (b.length === 0) return b;
    const c = Buffer.from(b);
    for (let k = r.range(1, 16); k > 0; k--) c[r.int(c.length)]! ^= 1 << r.int(8);
    return c;
  },
  truncate: (b, r) => b.subarray(0, r.int(b.length + 1)),
  duplicateHeader: (b, r) => onHeaderLine(b, r, (l) => Array(r.pick([2, 3, 10, 50, 300])).fill(l)),
  hugeValue: (b, r) =>
    onHeaderLine(b, r, (l) => `${nameOf(l)}: ${r.pick(FILLERS).repeat(r.pick(HUGE))}`),
  hugeName: (b, r) => onHeaderLine(b, r, (l) => `${'X'.repeat(r.pick([100, 400, 401, 10_000]))}:${valueOf(l)}`),
  ctlChars: (b, r) => {
    let c = b;
    for (let k = r.range(1, 6); k > 0; k--) c = insertAt(c, r.int(c.length + 1), Buffer.from([r.pick(CTL)]));
    return c;
  },
  ctlBeforeColon: (b, r) => onHeaderLine(b, r, (l) => `${nameOf(l)}${r.pick(['\x01', '\x0b', ' ', '\t', '\x00', '  '])}:${valueOf(l)}`),
  nuls: (b, r) => {
    let c = b;
    for (let k = r.range(1, 4); k > 0; k--) c = insertAt(c, r.int(c.length + 1), Buffer.alloc(r.range(1, 3)));
    return c;
  },
  badContentLength: (b, r) => {
    const s = split(b);
    const v = r.chance(0.3) ? String(Buffer.byteLength(s.body, 'latin1') + r.range(-5, 5)) : r.pick(EVIL_CL);
    const idx = s.lines.findIndex((l, i) => i > 0 && (headerName(l) === 'content-length' || headerName(l) === 'l'));
    if (r.chance(0.3) || idx < 0) s.lines.push(`Content-Length: ${v}`);
    else s.lines[idx] = `${nameOf(s.lines[idx]!)}: ${v}`;
    return join(s);
  },
  foldLines: (b, r) =>
    onHeaderLine(b, r, (l) => {
      const at = r.int(l.length + 1);
      return `${l.slice(0, at)}${r.pick(['\r\n ', '\r\n\t', '\r\n', '\r\n  \r\n '])}${l.slice(at)}`;
    }),
  giantVia: (b, r) => {
    const s = split(b);
    const n = r.pick([20, 100, 500, 1500]);
    const values: string[] = [];
    for (let i = 0; i < n; i++) {
      const host = r.pick(['10.0.0.1', '[2001:db8::1]', 'a.example', '192.0.2.7:5070', '127.0.0.9', 'h;;', '']);
      values.push(`SIP/2.0/${r.pick(['UDP', 'TCP', 'TLS', 'SCTP', 'X'])} ${host};branch=z9hG4bK${i}${r.chance(0.1) ? ';rport;received=1.2.3.4' : ''}`);
    }
    // One header line per value, or all of them comma-separated on one line.
    const vias = r.chance(0.5) ? values.map((v) => `${r.chance(0.5) ? 'Via' : 'v'}: ${v}`) : [`Via: ${values.join(', ')}`];
    s.lines.splice(1, 0, ...vias);
    return join(s);
  },
  lineEndings: (b, r) => {
    const t = b.toString('latin1');
    const to = r.pick(['\n', '\r', '\r\r\n', '\n\r']);
    if (r.chance(0.5)) return Buffer.from(t.split('\r\n').join(to), 'latin1');
    const parts = t.split('\r\n');
    return Buffer.from(parts.map((p, i) => (i === parts.length - 1 ? p : p + (r.chance(0.3) ? to : '\r\n'))).join(''), 'latin1');
  },
  deleteLine: (b, r) => {
    const s = split(b);
    if (s.lines.length === 0) return b;
    s.lines.splice(r.int(s.lines.length), 1);
    return join(s);
  },
  swapLines: (b, r) => {
    const s = split(b);
    if (s.lines.length < 2) return b;
    const i = r.int(s.lines.length);
    const j = r.int(s.lines.length);
    [s.lines[i], s.lines[j]] = [s.lines[j]!, s.lines[i]!];
    return join(s);
  },
  numbers: (b, r) => {
    const t = b.toString('latin1');
    const starts: number[] = [];
    for (let i = 0; i < t.length; i++) {
      const c = t.charCodeAt(i);
      const prev = i > 0 ? t.charCodeAt(i - 1) : 0;
      if (c >= 48 && c <= 57 && !(prev >= 48 && prev <= 57)) starts.push(i);
    }
    if (starts.length === 0) return b;
    const at = r.pick(starts);
    let end = at;
    while (end < t.length && t.charCodeAt(end) >= 48 && t.charCodeAt(end) <= 57) end++;
    return Buffer.from(t.slice(0, at) + r.pick(NUMBERS) + t.slice(end), 'latin1');
  },
  splice: (b, r) => {
    const at = r.int(b.length + 1);
    return Buffer.concat([b.subarray(0, at), b.subarray(r.int(b.length + 1))]);
  },
  doubleMessage: (b) => Buffer.concat([b, b]),
  highBytes: (b, r) => {
    let c = b;
    const seqs = [[0xc0, 0x80], [0xed, 0xa0, 0x80], [0xff], [0xfe, 0xff], [0xe2, 0x80, 0xae], [0xf4, 0x90, 0x80, 0x80], [0x80]];
    for (let k = r.range(1, 5); k > 0; k--) c = insertAt(c, r.int(c.length + 1), Buffer.from(r.pick(seqs)));
    return c;
  },
  emptyValue: (b, r) => onHeaderLine(b, r, (l) => `${nameOf(l)}:${r.pick(['', ' ', '\t', ' ;', ' <>', ' ""'])}`),
  requestUri: (b, r) => {
    const s = split(b);
    const parts = (s.lines[0] ?? '').split(' ');
    if (parts.length >= 3 && !parts[0]!.startsWith('SIP/')) parts[1] = r.pick(EVIL_URIS);
    s.lines[0] = parts.join(r.chance(0.2) ? '  ' : ' ');
    return join(s);
  },
  startLine: (b, r) => {
    const s = split(b);
    s.lines[0] = r.pick([
      'INVITE sip:a@b SIP/7.0', 'SIP/2.0 999 Weird', 'SIP/2.0 1000 X', 'SIP/2.0 099 X', 'SIP/2.0 200', 'X', '',
      'OPTIONS  sip:a@b  SIP/2.0', 'REGISTER sip:a@b SIP/2.0 ', 'RE%47ISTER sip:a@b SIP/2.0', `${'A'.repeat(2000)} sip:a@b SIP/2.0`,
      'ACK sip:a@b SIP/2.0', 'CANCEL sip:a@b SIP/2.0', 'BYE sip:a@b SIP/2.0', 'SIP/2.0 401 Unauthorized', 'PRACK sip:a@b SIP/2.0',
    ]);
    return join(s);
  },
  quotes: (b, r) =>
    onHeaderLine(b, r, (l) => {
      const at = r.int(l.length + 1);
      return l.slice(0, at) + r.pick(['"', '<', '>', '\\', '"\\', '<<<<', '""""', '\\"']).repeat(r.pick([1, 1, 3, 100])) + l.slice(at);
    }),
  authorization: (b, r) => {
    const s = split(b);
    const v = r.pick([
      'Digest username="1001", realm="x", nonce="' + 'n'.repeat(r.pick([10, 1000, 20000])) + '", uri="sip:x", response="00"',
      'Digest username="1001", nonce="abc, uri="sip:x"',
      'Digest ' + ',' .repeat(5000),
      'Digest username=1001 realm=x',
      'Digest username="1001", realm="x", nonce="a", uri="sip:x", response="0123456789abcdef0123456789abcdef", qop=auth, nc=zzzzzzzz, cnonce="c"',
      'Digest algorithm=SHA-512-256, username="\\"', 'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==', 'NTLM', '',
      'Digest username="1001", realm="x", nonce="a", uri="sip:x", response="r", nc=00000001, qop="auth,auth-int", algorithm=MD5-sess',
    ]);
    s.lines.push(`${r.pick(['Authorization', 'Proxy-Authorization', 'WWW-Authenticate'])}: ${v}`);
    return join(s);
  },
  sdp: (b, r) => {
    const s = split(b);
    const bad = r.pick([
      'a=ptime:0', 'a=ptime:100000', 'a=ptime:-20', 'b=AS', 'b=:', 'b=AS:abc', 'b=AS:-1', 'a=rtpmap:', 'a=fmtp:', 'a=rtpmap:96 opus/0/0',
      'm=audio 99999 RTP/AVP 0', 'm=audio -1 RTP/AVP', 'm=audio 0 RTP/AVP ' + '0 '.repeat(2000), 'c=IN IP4 255.255.255.255', 'c=IN IP6 ::ffff:1.2.3.4',
      'a=rtcp:0', 'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:' + 'A'.repeat(500), 'o=', 'v=1', 'm=video 5000 RTP/AVP 96\r\na=rtpmap:96 H264/90000',
    ]);
    const body = s.body.length > 0 && r.chance(0.8) ? s.body : 'v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 1.2.3.4\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';
    const lines = body.split('\r\n');
    lines.splice(r.int(lines.length + 1), 0, bad);
    s.body = lines.join(r.chance(0.2) ? '\n' : '\r\n');
    if (r.chance(0.3)) while (s.body.endsWith('\n') || s.body.endsWith('\r')) s.body = s.body.slice(0, -1);
    if (!s.lines.some((l, i) => i > 0 && (headerName(l) === 'content-type' || headerName(l) === 'c'))) s.lines.push('Content-Type: application/sdp');
    return join(s);
  },
  random: (b, r) => (r.chance(0.5) ? randomBytes(r, r.range(0, 2000)) : randomBytes(r, r.range(0, 1500), 32, 126)),
};

export const MUTATOR_NAMES = Object.keys(MUTATORS);

export interface Mutation {
  index: number;
  source: string;
  mutators: string[];
  bytes: Buffer;
}

/** Largest UDP payload we send (IPv4 max is 65,507). */
export const MAX_DATAGRAM = 65_000;

/** Input `index` of the stream for `seed`: a pure function of its arguments. */
export function mutationAt(corpus: readonly CorpusEntry[], seed: number, index: number): Mutation {
  const r = rngFor(seed, index);
  const src = r.pick(corpus);
  let bytes = r.chance(0.85) ? freshen(src.bytes, `fz${index}x`) : src.bytes;
  const mutators: string[] = [];
  // ~5 % go out as they are (valid traffic mixed in keeps the server's happy paths busy).
  const count = r.chance(0.05) ? 0 : r.pick([1, 1, 1, 2, 2, 3, 4]);
  for (let k = 0; k < count; k++) {
    const name = r.pick(MUTATOR_NAMES);
    mutators.push(name);
    bytes = MUTATORS[name]!(bytes, r);
  }
  if (mutators.length > 0 && !mutators.includes('badContentLength') && r.chance(0.5)) bytes = fixContentLength(bytes);
  if (bytes.length > MAX_DATAGRAM) bytes = bytes.subarray(0, MAX_DATAGRAM);
  return { index, source: src.name, mutators, bytes };
}
