import { describe, expect, it } from 'vitest';
import {
  getCSeq, getCallId, getContacts, getTopVia, parseMessage, serialize, validateRequest,
  type ParseResult, type SipMessage,
} from '../../../../src/sip/message/index';

const BASE = [
  'Via: SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bK776asdhds',
  'Max-Forwards: 70',
  'To: <sip:bob@example.com>',
  'From: "Alice" <sip:alice@example.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710@pc33.example.com',
  'CSeq: 314159 OPTIONS',
];

function wire(startLine: string, headers: string[], body = ''): Buffer {
  return Buffer.from(startLine + '\r\n' + headers.map((h) => h + '\r\n').join('') + '\r\n' + body, 'utf8');
}

function ok(r: ParseResult): SipMessage {
  if (!r.ok) throw new Error(`parse failed: ${r.error}`);
  return r.msg;
}

describe('parseMessage: framing', () => {
  it('parses a request and its headers lazily', () => {
    const m = ok(parseMessage(wire('OPTIONS sip:bob@example.com SIP/2.0', [...BASE, 'Content-Length: 0'])));
    expect(m.type).toBe('request');
    if (m.type !== 'request') return;
    expect(m.method).toBe('OPTIONS');
    expect(m.uri.user).toBe('bob');
    expect(m.version).toBe('SIP/2.0');
    expect(getCallId(m)).toBe('a84b4c76e66710@pc33.example.com');
    expect(getCSeq(m)).toEqual({ seq: 314159, method: 'OPTIONS' });
    expect(m.headers.entries()).toHaveLength(7);
  });

  it('skips leading CRLFs; a keep-alive alone is not a message and not answerable', () => {
    const m = ok(parseMessage(Buffer.concat([Buffer.from('\r\n\r\n'), wire('OPTIONS sip:b@x SIP/2.0', BASE)])));
    expect(m.type).toBe('request');
    const r = parseMessage(Buffer.from('\r\n\r\n'));
    expect(r).toEqual({ ok: false, error: 'Empty message' });
  });

  it('ignores octets beyond Content-Length (RFC 3261 §18.3)', () => {
    const m = ok(parseMessage(wire('MESSAGE sip:b@x SIP/2.0', [...BASE, 'Content-Length: 5'], 'helloEXTRA')));
    expect(m.body.toString()).toBe('hello');
  });

  it('without Content-Length the datagram body is the rest; a stream needs one', () => {
    const buf = wire('MESSAGE sip:b@x SIP/2.0', BASE, 'rest of it');
    expect(ok(parseMessage(buf)).body.toString()).toBe('rest of it');
    const r = parseMessage(buf, { stream: true });
    expect(r.ok).toBe(false);
    if (!r.ok) expect([r.status, r.error]).toEqual([400, 'Missing Content-Length']);
  });

  it('Content-Length larger than the body: 400 with an answerable request (RFC 4475 clerr)', () => {
    const r = parseMessage(wire('INVITE sip:b@x SIP/2.0', [...BASE, 'Content-Length: 11'], '0123456789'));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.status).toBe(400);
    expect(r.error).toBe('Content-Length exceeds body');
    expect(r.answerable?.headers.get('call-id')).toBe('a84b4c76e66710@pc33.example.com');
  });

  it.each(['-1', '1e3', '0x10', '12abc', '', '99999999999999999999', '+5'])('Content-Length %j is a 400', (cl) => {
    const r = parseMessage(wire('INVITE sip:b@x SIP/2.0', [...BASE, `Content-Length: ${cl}`], 'x'));
    expect(r.ok).toBe(false);
    if (!r.ok) expect([r.status, r.error]).toEqual([400, 'Bad Content-Length']);
  });

  it('Content-Length counts bytes, not characters; binary bodies stay intact', () => {
    const body = Buffer.from([0x00, 0x0d, 0xff, 0xc3, 0xa9, 0x0a, 0x0d]);
    const head = Buffer.from('MESSAGE sip:b@x SIP/2.0\r\n' + BASE.join('\r\n') + '\r\nContent-Length: 7\r\n\r\n');
    const m = ok(parseMessage(Buffer.concat([head, body])));
    expect(m.body.equals(body)).toBe(true);
    const utf8 = ok(parseMessage(wire('MESSAGE sip:b@x SIP/2.0', [...BASE, 'Content-Length: 2'], '\u00e9')));
    expect(utf8.body.toString('utf8')).toBe('\u00e9');
  });

  it('the body is a view of the input unless copyBody is set', () => {
    const buf = wire('MESSAGE sip:b@x SIP/2.0', [...BASE, 'Content-Length: 3'], 'abc');
    const view = ok(parseMessage(buf));
    const copy = ok(parseMessage(buf, { copyBody: true }));
    buf.fill(0x41);
    expect(view.body.toString()).toBe('AAA');
    expect(copy.body.toString()).toBe('abc');
  });

  it('accepts a datagram whose header section ends without the empty line (RFC 4475 baddn)', () => {
    const m = ok(parseMessage(Buffer.from('OPTIONS sip:b@x SIP/2.0\r\n' + BASE.join('\r\n') + '\r\n')));
    expect(m.body.length).toBe(0);
    expect(getCSeq(m)?.seq).toBe(314159);
  });

  it('a truncated header section is a 400', () => {
    const r = parseMessage(Buffer.from('OPTIONS sip:b@x SIP/2.0\r\n' + BASE.join('\r\n')));
    expect(r.ok).toBe(false);
    if (!r.ok) expect([r.status, r.error]).toEqual([400, 'Incomplete header section']);
  });
});

describe('parseMessage: header lines', () => {
  it('unfolds continuation lines into one SP and trims (RFC 3261 §7.3.1)', () => {
    const m = ok(parseMessage(wire('OPTIONS sip:b@x SIP/2.0', [...BASE, 'Subject: one  \r\n \t two\r\n\tthree', 'X-Empty:', 'X-Tab:\tv\t'])));
    expect(m.headers.get('subject')).toBe('one two three');
    expect(m.headers.get('x-empty')).toBe('');
    expect(m.headers.get('x-tab')).toBe('v');
  });

  it('compact and long forms, any case, SP/HTAB before the colon', () => {
    const m = ok(parseMessage(wire('OPTIONS sip:b@x SIP/2.0', [
      'v: SIP/2.0/UDP h;branch=z9hG4bK1', 'f: <sip:a@x>;tag=1', 't : <sip:b@x>', 'i\t: id1', 'CSEQ: 1 OPTIONS', 'm: <sip:c@x>', 'l: 0',
    ])));
    expect(getTopVia(m)?.host).toBe('h');
    expect(m.headers.get('Call-ID')).toBe('id1');
    expect(m.headers.get('content-length')).toBe('0');
    expect(getContacts(m)).toHaveLength(1);
    expect(m.type === 'request' && validateRequest(m)).toBeUndefined();
  });

  it.each([
    ['Contact\x01: <sip:a@x>', 'CTL before colon (GHSA-4h4c-qgxg-p3qv)'],
    ['Contact\x0b: <sip:a@x>', 'VT before colon'],
    ['No colon here', 'missing colon'],
    [': value', 'empty name'],
    ['Bad Name: v', 'space inside name'],
    [' leading: fold with nothing to continue', 'a continuation as first header'],
  ])('%j is a 400 Bad header line with the other headers answerable (%s)', (line) => {
    const headers = line.startsWith(' ') ? [line, ...BASE] : [...BASE, line];
    const r = parseMessage(wire('INVITE sip:b@x SIP/2.0', headers));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect([r.status, r.error]).toEqual([400, 'Bad header line']);
    expect(r.answerable?.headers.get('via')).toBe(BASE[0]!.slice(5));
  });

  it('bare LF or CR inside the header section is a 400', () => {
    for (const raw of [
      'OPTIONS sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h\nX: y\r\n\r\n',
      'OPTIONS sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h\rX: y\r\n\r\n',
    ]) {
      const r = parseMessage(Buffer.from(raw));
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.status).toBe(400);
    }
    expect(parseMessage(Buffer.from('OPTIONS sip:b@x SIP/2.0\nVia: x\n\n')).ok).toBe(false);
  });

  it('caps the number of header lines', () => {
    const many = Array.from({ length: 300 }, (_, i) => `X-H${i}: ${i}`);
    const r = parseMessage(wire('OPTIONS sip:b@x SIP/2.0', [...BASE, ...many]));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toBe('Too many headers');
    expect(parseMessage(wire('OPTIONS sip:b@x SIP/2.0', [...BASE, ...many]), { maxHeaders: 400 }).ok).toBe(true);
  });

  it('caps header-name length (CVE-2026-45538 class)', () => {
    const r = parseMessage(wire('OPTIONS sip:b@x SIP/2.0', [...BASE, `${'X'.repeat(129)}: v`]));
    expect(r.ok).toBe(false);
    if (!r.ok) expect([r.status, r.error]).toEqual([400, 'Header name too long']);
    expect(parseMessage(wire('OPTIONS sip:b@x SIP/2.0', [...BASE, `${'X'.repeat(128)}: v`])).ok).toBe(true);
  });

  it('every spelling of a header name is one header, so stripping one strips all (CVE-2020-28361)', () => {
    const m = ok(parseMessage(wire('INVITE sip:b@x SIP/2.0', [
      ...BASE,
      'X-Our-Auth-User : a',
      'x-our-auth-user: b',
      'X-OUR-AUTH-USER\t:c',
      'X-Our-Auth-User: d\r\n e',
    ])));
    expect(m.headers.getAll('X-Our-Auth-User')).toEqual(['a', 'b', 'c', 'd e']);
    m.headers.delete('x-our-auth-user');
    expect(serialize(m).toString().toLowerCase()).not.toContain('x-our-auth-user');
  });

  it('keeps unknown and repeated headers in order, verbatim', () => {
    const m = ok(parseMessage(wire('OPTIONS sip:b@x SIP/2.0', [...BASE, 'X-A: 1', 'Weird-Hdr: ;;,,"<', 'X-A: 2'])));
    expect(m.headers.getAll('x-a')).toEqual(['1', '2']);
    expect(m.headers.get('weird-hdr')).toBe(';;,,"<');
  });
});

describe('parseMessage: start lines', () => {
  it.each([
    ['INVITE  sip:b@x SIP/2.0', 'Bad Request-Line'],
    ['INVITE sip:b@x  SIP/2.0', 'Bad Request-Line'],
    ['INVITE sip:b@x SIP/2.0 ', 'Bad Request-Line'],
    ['INVITE sip:b@x', 'Bad Request-Line'],
    ['INVITE sip:b@x HTTP/1.1', 'Bad Request-Line'],
    ['INVITE sip:b@x SIP/2', 'Bad Request-Line'],
    ['INVITE <sip:b@x> SIP/2.0', 'Bad Request-URI'],
    ['INVITE sip:2001:db8::1 SIP/2.0', 'Bad Request-URI'],
  ])('%j -> 400 %s, answerable', (line, error) => {
    const r = parseMessage(wire(line, BASE));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect([r.status, r.error]).toEqual([400, error]);
    expect(r.answerable?.method).toBe('INVITE');
    expect(r.answerable?.headers.get('cseq')).toBe('314159 OPTIONS');
  });

  it('a start line that names no method is not answerable', () => {
    for (const line of ['', ' INVITE sip:b@x SIP/2.0', 'IN(VITE sip:b@x SIP/2.0', 'GARBAGE']) {
      const r = parseMessage(wire(line, BASE));
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.answerable).toBeUndefined();
    }
  });

  it('other SIP versions parse (validateRequest answers 505)', () => {
    const m = ok(parseMessage(wire('OPTIONS sip:b@x SIP/7.0', BASE)));
    expect(m.version).toBe('SIP/7.0');
    expect(m.type === 'request' && validateRequest(m)).toEqual({ status: 505, reason: 'Version Not Supported' });
    expect(ok(parseMessage(wire('OPTIONS sip:b@x sip/2.0', BASE))).version).toBe('SIP/2.0');
  });

  it('status lines', () => {
    const r = ok(parseMessage(wire('SIP/2.0 180 Ringing', BASE)));
    expect(r.type === 'response' && [r.status, r.reason]).toEqual([180, 'Ringing']);
    const empty = ok(parseMessage(wire('SIP/2.0 100 ', BASE)));
    expect(empty.type === 'response' && empty.reason).toBe('');
    const none = ok(parseMessage(wire('SIP/2.0 100', BASE)));
    expect(none.type === 'response' && none.reason).toBe('');
    const utf8 = ok(parseMessage(wire('SIP/2.0 603 Refus\u00e9 par l\u2019utilisateur', BASE)));
    expect(utf8.type === 'response' && utf8.reason).toBe('Refus\u00e9 par l\u2019utilisateur');
  });

  it.each(['SIP/2.0 20 OK', 'SIP/2.0 2000 OK', 'SIP/2.0 4294967301 big', 'SIP/2.0 abc OK', 'SIP/2.0 200 O\x00K', 'SIP/x 200 OK'])(
    '%j is not a response (no status: never answered)',
    (line) => {
      const r = parseMessage(wire(line, BASE));
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.status).toBeUndefined();
        expect(r.answerable).toBeUndefined();
      }
    },
  );
});

describe('parseMessage never throws', () => {
  // Seeded xorshift so failures reproduce.
  let seed = 0x2545f491;
  const rand = (n: number): number => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) % n;
  };
  const seedMsg = wire('INVITE sip:bob@[2001:db8::1]:5060;transport=udp SIP/2.0', [
    ...BASE,
    'Contact: "A, \\"B\\"" <sip:a@x;lr>;expires=60, <sip:b@y>',
    'Route: <sip:p1@x;lr>, <sip:p2@y;lr>',
    'Content-Type: application/sdp',
    'Content-Length: 4',
  ], 'v=0\n');
  const ALPHABET = Buffer.from(' ;,:<>"\\\r\n\t@[]=%0a\x00\xff/');

  it('on 3000 seeded mutations, and what parses round-trips', () => {
    const t0 = performance.now();
    let parsed = 0;
    for (let n = 0; n < 3000; n++) {
      const b = Buffer.from(seedMsg);
      const edits = 1 + rand(4);
      for (let e = 0; e < edits; e++) b[rand(b.length)] = ALPHABET[rand(ALPHABET.length)]!;
      const r = parseMessage(b);
      if (!r.ok) continue;
      parsed++;
      const m = r.msg;
      if (m.type === 'request') validateRequest(m);
      getContacts(m);
      const again = parseMessage(serialize(m));
      expect(again.ok).toBe(true);
      if (again.ok) expect(serialize(again.msg).equals(serialize(m))).toBe(true);
    }
    console.log(`fuzz: 3000 mutations, ${parsed} parsed, ${(performance.now() - t0).toFixed(0)} ms`);
    expect(parsed).toBeGreaterThan(100);
  });
});
