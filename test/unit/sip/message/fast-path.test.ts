/**
 * parser.ts has two paths: a fast path for the common well-formed ASCII message (lazy header
 * values kept as ranges of the text) and the general parser behind it. The fast path either gives
 * up (undefined) or must give exactly what the general parser gives. This file checks that over
 * the RFC 4475/5118 fixtures, hand-made edge cases and seeded mutations, through the message
 * model, every typed accessor and the serializer; and that lazy headers stay right when edited.
 */
import { describe, expect, it } from 'vitest';
import {
  getBranch, getCSeq, getCallId, getContacts, getContentType, getExpires, getFrom, getFromTag, getMaxForwards,
  getMediaType, getRecordRoutes, getRoutes, getTo, getToTag, getTopVia, getVias, serialize,
  type ParseResult, type SipMessage,
} from '../../../../src/sip/message/index';
import { parseCommon, parseMessageGeneral, type ParseOptions } from '../../../../src/sip/message/parser';
import { commonSpellings } from '../../../../src/sip/message/header-names';
import { loadFixtures } from './fixtures';

function view(m: SipMessage): unknown {
  const base = {
    type: m.type, version: m.version, entries: m.headers.entries(), body: [...m.body],
    vias: getVias(m), topVia: getTopVia(m), branch: getBranch(m), from: getFrom(m), to: getTo(m),
    fromTag: getFromTag(m), toTag: getToTag(m), callId: getCallId(m), cseq: getCSeq(m), contacts: getContacts(m),
    routes: getRoutes(m), recordRoutes: getRecordRoutes(m), maxForwards: getMaxForwards(m), expires: getExpires(m),
    contentType: getContentType(m), mediaType: getMediaType(m), wire: serialize(m).toString('latin1'),
  };
  return m.type === 'request'
    ? { ...base, method: m.method, uri: m.uri }
    : { ...base, status: m.status, reason: m.reason };
}

/** Runs both paths; returns whether the fast path took the message. Fails on any difference. */
function agree(buf: Buffer, opts?: ParseOptions): boolean {
  const general: ParseResult = parseMessageGeneral(buf, opts);
  const fast = parseCommon(buf, opts);
  if (fast === undefined) return false;
  expect(fast.ok, 'the fast path only ever answers ok').toBe(true);
  expect(general.ok, `general parser rejected what the fast path took: ${buf.toString('latin1')}`).toBe(true);
  if (!fast.ok || !general.ok) return true;
  expect(view(fast.msg)).toEqual(view(general.msg));
  // Reading in another order (accessors before entries) must not change anything either.
  const again = parseCommon(buf, opts);
  if (again?.ok) {
    expect(getContacts(again.msg)).toEqual(getContacts(general.msg));
    expect(again.msg.headers.entries()).toEqual(general.msg.headers.entries());
  }
  return true;
}

const BASE = [
  'Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhds;rport',
  'Max-Forwards: 70',
  'To: Bob <sip:bob@biloxi.example.com>',
  'From: "Alice Liddell" <sip:alice@atlanta.example.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710@pc33.atlanta.example.com',
  'CSeq: 314159 INVITE',
  'Contact: <sip:alice@192.0.2.101:5060;transport=udp>;expires=60, "B" <sip:b@y>',
];

function wire(start: string, headers: string[], body = ''): Buffer {
  return Buffer.from(start + '\r\n' + headers.map((h) => h + '\r\n').join('') + '\r\n' + body, 'utf8');
}

describe('fast path agrees with the general parser', () => {
  it('on every RFC 4475 / RFC 5118 fixture (taken or handed over)', () => {
    let taken = 0;
    const all = [...loadFixtures('4475'), ...loadFixtures('5118')];
    for (const f of all) if (agree(f.bytes)) taken++;
    console.log(`fast path: ${taken} of ${all.length} fixtures taken, the rest handed over`);
    // Most torture messages are odd on purpose; the plain ones still take the fast path.
    expect(taken).toBeGreaterThan(10);
    expect(all.length).toBe(61);
  });

  it('takes the common shapes: requests, responses, compact and odd-case names, spacing', () => {
    const cases: Buffer[] = [
      wire('INVITE sip:bob@biloxi.example.com SIP/2.0', [...BASE, 'Content-Type: application/sdp', 'Content-Length: 4'], 'v=0\r'),
      wire('REGISTER sip:registrar.example.com SIP/2.0', [...BASE, 'Expires: 7200', 'Content-Length: 0']),
      wire('SIP/2.0 200 OK', [...BASE, 'Record-Route: <sip:p1@x;lr>, <sip:p2@y;lr>', 'Content-Length: 0']),
      wire('SIP/2.0 180', BASE),
      wire('SIP/2.0 486 Busy Here, really', BASE),
      wire('OPTIONS sip:b@x SIP/2.0', ['v: SIP/2.0/TCP h;branch=z9hG4bK1', 'f: <sip:a@x>;tag=1', 't: sip:b@x', 'i: c@x', 'CSeq: 2 OPTIONS', 'm: *', 'l: 0']),
      wire('OPTIONS sip:b@x SIP/2.0', ['VIA: SIP/2.0/UDP h;branch=z9hG4bK1', 'fRoM: <sip:a@x>;tag=1', 'To : <sip:b@x>', 'call-id:\tc', 'CSEQ:   7    OPTIONS   ', 'X-Custom-Header: a, b,, c']),
      wire('OPTIONS sip:b@x SIP/2.0', ['Via: SIP/2.0/UDP h', 'Via: SIP/2.0/TCP g;branch=z9hG4bK2, SIP/2.0/UDP k', 'Route: <sip:r@x;lr>', 'Route: <sip:s@y;lr>', 'Subject:', 'Empty:   ']),
      wire('MESSAGE sips:[2001:db8::1]:5061;transport=tls SIP/2.0', [...BASE, 'Content-Length: 2'], 'hi'),
      wire('INVITE tel:+1-201-555-0123 SIP/2.0', BASE, 'no content-length: the rest of the datagram'),
      wire('ACK sip:b@x SIP/2.0', [...BASE, 'Content-Length: 3'], 'abcdef'),
    ];
    for (const c of cases) expect(agree(c), c.toString('latin1')).toBe(true);
  });

  it('reads every common header spelling (and near misses of it) with the name as written', () => {
    const names = new Set<string>();
    for (const sp of commonSpellings()) {
      names.add(sp);
      names.add(sp.toUpperCase());
      names.add(sp + 'x');
      if (sp.length > 1) names.add(sp.slice(0, -1));
      names.add(sp.slice(0, -1) + (sp.endsWith('e') ? 'f' : 'e'));
    }
    let taken = 0;
    for (const name of names) {
      const b = wire('OPTIONS sip:b@x SIP/2.0', [...BASE, `${name}: 1`]);
      if (!agree(b)) continue;
      taken++;
      const r = parseCommon(b);
      expect(r?.ok && r.msg.headers.entries().at(-1), name).toEqual([name, '1']);
    }
    expect(taken).toBeGreaterThan(names.size - 10);
  });

  it('hands over what it does not do itself, and the general parser still answers', () => {
    const handed: Buffer[] = [
      Buffer.concat([Buffer.from('\r\n\r\n'), wire('OPTIONS sip:b@x SIP/2.0', BASE)]), // keep-alive CRLFs
      wire('OPTIONS sip:b@x SIP/2.0', [...BASE, 'Subject: folded', ' continuation']), // folding
      wire('OPTIONS sip:b@x SIP/2.0', [...BASE, 'Subject: caf\u00e9']), // non-ASCII
      wire('OPTIONS sip:b@x SIP/2.0', [...BASE, 'Bad Name: x']), // not a token
      wire('OPTIONS sip:b@x SIP/2.0', [...BASE, 'Content-Length: 1', 'l: 2']), // conflicting
      wire('OPTIONS sip:b@x SIP/2.0', [...BASE, 'Content-Length: 9'], 'short'), // beyond the body
      Buffer.from('OPTIONS sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h\nTo: <sip:b@x>\r\n\r\n'), // bare LF
      Buffer.from('OPTIONS sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h\rTo: <sip:b@x>\r\n\r\n'), // bare CR
      Buffer.from('OPTIONS sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h\r\n'), // no empty line
      wire('OPTIONS  sip:b@x SIP/2.0', BASE), // two spaces
      wire('SIP/2.0 20 OK', BASE), // short status code
      wire('OPTIONS sip:b@x SIP/2.0', [...BASE, 'X'.repeat(200) + ': long name']),
    ];
    for (const b of handed) {
      expect(parseCommon(b), b.toString('latin1')).toBeUndefined();
      expect(parseMessageGeneral(b)).toBeDefined();
    }
  });

  it('records first lines right with compact forms, repeats and lines past 253', () => {
    const compact = wire('OPTIONS sip:b@x SIP/2.0', [
      'v: SIP/2.0/UDP a;branch=z9hG4bK1', 'Via: SIP/2.0/UDP b;branch=z9hG4bK2', 'f: <sip:a@x>;tag=1', 't: <sip:b@x>',
      'i: c1', 'Call-ID: c2', 'CSeq: 1 OPTIONS', 'm: <sip:m1@x>', 'Contact: <sip:m2@x>',
    ]);
    expect(agree(compact)).toBe(true);
    const m = parseCommon(compact);
    if (!m?.ok) throw new Error('fast path expected');
    expect(getVias(m.msg).map((v) => v.host)).toEqual(['a', 'b']);
    expect(getCallId(m.msg)).toBe('c1');
    expect(getContacts(m.msg).map((c) => c.uri.user)).toEqual(['m1', 'm2']);
    const filler = Array.from({ length: 260 }, (_, i) => `X-${i}: ${i}`);
    const late = wire('OPTIONS sip:b@x SIP/2.0', [...filler, ...BASE]);
    expect(agree(late, { maxHeaders: 300 })).toBe(true);
    const l = parseCommon(late, { maxHeaders: 300 });
    if (!l?.ok) throw new Error('fast path expected');
    expect(getBranch(l.msg)).toBe('z9hG4bK776asdhds');
    expect(getCSeq(l.msg)).toEqual({ seq: 314159, method: 'INVITE' });
    expect(getContacts(l.msg)).toHaveLength(2);
  });

  it('applies the options exactly like the general parser', () => {
    const many = wire('OPTIONS sip:b@x SIP/2.0', [...BASE, ...Array.from({ length: 20 }, (_, i) => `X-${i}: ${i}`)]);
    expect(agree(many, { maxHeaders: 27 })).toBe(true);
    expect(parseCommon(many, { maxHeaders: 26 })).toBeUndefined();
    expect(parseMessageGeneral(many, { maxHeaders: 26 }).ok).toBe(false);
    expect(parseCommon(many, { maxHeaderNameLength: 5 })).toBeUndefined();
    const noLength = wire('OPTIONS sip:b@x SIP/2.0', BASE);
    expect(agree(noLength, { stream: false })).toBe(true);
    expect(parseCommon(noLength, { stream: true })).toBeUndefined();
    const withBody = wire('OPTIONS sip:b@x SIP/2.0', [...BASE, 'Content-Length: 3'], 'abc');
    const scratch = Buffer.from(withBody);
    const copied = parseCommon(scratch, { copyBody: true });
    const viewed = parseCommon(scratch);
    scratch.fill(0x78);
    expect(copied?.ok && copied.msg.body.toString()).toBe('abc');
    expect(viewed?.ok && viewed.msg.body.toString()).toBe('xxx');
    expect(agree(withBody, { copyBody: true })).toBe(true);
  });

  it('on 3000 seeded ASCII mutations of an INVITE', () => {
    let seed = 0x1d872b41;
    const rand = (n: number): number => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    const seedMsg = wire('INVITE sip:bob@[2001:db8::1]:5060;transport=udp SIP/2.0', [
      ...BASE,
      'Route: <sip:p1@x;lr>, <sip:p2@y;lr>',
      'Record-Route: <sip:p3@z;lr>',
      'Expires: 60',
      'Content-Type: application/sdp;charset=x',
      'Content-Length: 4',
    ], 'v=0\n');
    const ALPHABET = Buffer.from(' ;,:<>"\\\r\n\t@[]=%0aA/?*-.');
    let taken = 0;
    for (let n = 0; n < 3000; n++) {
      const b = Buffer.from(seedMsg);
      const edits = 1 + rand(3);
      for (let e = 0; e < edits; e++) b[rand(b.length)] = ALPHABET[rand(ALPHABET.length)]!;
      if (agree(b)) taken++;
    }
    console.log(`fast path: ${taken} of 3000 mutations taken, all agreeing with the general parser`);
    expect(taken).toBeGreaterThan(300);
  });
});

describe('lazy header values (Headers.fromLines)', () => {
  const buf = wire('INVITE sip:bob@x SIP/2.0', [
    'Via: SIP/2.0/UDP a;branch=z9hG4bK1', 'Via: SIP/2.0/UDP b;branch=z9hG4bK2', ...BASE.slice(1), 'X-A: 1',
  ]);
  function fresh(): SipMessage {
    const r = parseCommon(buf);
    if (!r?.ok) throw new Error('fast path expected');
    return r.msg;
  }

  it('deleteFirst, prepend, set, delete and append keep every value right', () => {
    const m = fresh();
    expect(getBranch(m)).toBe('z9hG4bK1');
    m.headers.deleteFirst('via');
    expect(getBranch(m)).toBe('z9hG4bK2');
    expect(m.headers.getAll('via')).toEqual(['SIP/2.0/UDP b;branch=z9hG4bK2']);
    m.headers.prepend('Via', 'SIP/2.0/TCP c;branch=z9hG4bK3');
    expect(getVias(m).map((v) => v.host)).toEqual(['c', 'b']);
    m.headers.set('CSeq', '5 INVITE');
    expect(getCSeq(m)).toEqual({ seq: 5, method: 'INVITE' });
    m.headers.delete('contact');
    expect(getContacts(m)).toEqual([]);
    m.headers.append('Contact', '<sip:new@x>');
    expect(getContacts(m).map((c) => c.uri.user)).toEqual(['new']);
    expect(m.headers.get('x-a')).toBe('1');
    expect(m.headers.get('call-id')).toBe('a84b4c76e66710@pc33.atlanta.example.com');
  });

  it('append keeps earlier lazy values and clones are independent', () => {
    const m = fresh();
    m.headers.append('X-B', '2');
    expect(m.headers.get('to')).toBe('Bob <sip:bob@biloxi.example.com>');
    const c = m.headers.clone();
    c.set('To', '<sip:other@x>');
    expect(m.headers.get('to')).toBe('Bob <sip:bob@biloxi.example.com>');
    expect(c.get('to')).toBe('<sip:other@x>');
    expect(c.entries()).toHaveLength(m.headers.entries().length);
  });
});
