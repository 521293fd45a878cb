import { describe, expect, it } from 'vitest';
import {
  Headers, createRequest, createResponse, getBranch, getCSeq, getContentType, getExpires, getFromTag, getMaxForwards,
  getRecordRoutes, getRoutes, getTo, getToTag, getTopVia, getVias, headerKey, parseMessage, prettyHeaderName,
  quote, reasonPhrase, serialize, unquote, validateRequest, validateResponse, type SipRequest,
} from '../../../../src/sip/message/index';
import { isStrowgerError } from '../../../../src/util/errors';

function parseReq(raw: string): SipRequest {
  const r = parseMessage(Buffer.from(raw));
  if (!r.ok || r.msg.type !== 'request') throw new Error('bad fixture');
  return r.msg;
}

const INVITE = [
  'INVITE sip:bob@biloxi.example.com SIP/2.0',
  'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8, SIP/2.0/UDP p1.example.com;branch=z9hG4bK1',
  'v: SIP/2.0/TCP p2.example.com;branch=z9hG4bK2',
  'Max-Forwards: 70',
  'To: Bob <sip:bob@biloxi.example.com>',
  'From: Alice <sip:alice@atlanta.example.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710',
  'CSeq: 314159 INVITE',
  'Timestamp: 54',
  'Record-Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>',
  'Contact: <sip:alice@pc33.atlanta.example.com>',
  'Content-Type: Application/SDP; charset=utf-8',
  'Expires: 0120',
  'Content-Length: 0',
  '',
  '',
].join('\r\n');

describe('Headers', () => {
  it('compact and long names, any case, are one header', () => {
    const h = new Headers([['v', 'a'], ['VIA', 'b'], ['i', 'id']]);
    expect(h.getAll('Via')).toEqual(['a', 'b']);
    expect(h.get('call-id')).toBe('id');
    expect(h.has('I')).toBe(true);
    expect(headerKey('MaX-fOrWaRdS')).toBe('max-forwards');
    for (const [c, long] of [['l', 'content-length'], ['m', 'contact'], ['e', 'content-encoding'], ['c', 'content-type'], ['f', 'from'], ['s', 'subject'], ['k', 'supported'], ['t', 'to'], ['o', 'event'], ['r', 'refer-to'], ['b', 'referred-by'], ['x', 'session-expires'], ['u', 'allow-events'], ['a', 'accept-contact'], ['j', 'reject-contact'], ['d', 'request-disposition'], ['y', 'identity'], ['n', 'identity-info']]) {
      expect(headerKey(c!), c).toBe(long);
      expect(headerKey(c!.toUpperCase())).toBe(long);
    }
    expect(prettyHeaderName('i')).toBe('Call-ID');
    expect(prettyHeaderName('record-route')).toBe('Record-Route');
  });

  it('set replaces every line in place; append/prepend/delete/deleteFirst keep order', () => {
    const h = new Headers([['Via', 'v1'], ['To', 't'], ['v', 'v2'], ['X', 'x']]);
    h.prepend('Via', 'v0');
    expect(h.entries()).toEqual([['Via', 'v0'], ['Via', 'v1'], ['To', 't'], ['v', 'v2'], ['X', 'x']]);
    h.deleteFirst('via');
    expect(h.getAll('via')).toEqual(['v1', 'v2']);
    h.set('VIA', 'only');
    expect(h.entries()).toEqual([['VIA', 'only'], ['To', 't'], ['X', 'x']]);
    h.prepend('Route', 'r'); // absent: goes to the top
    expect(h.entries()[0]).toEqual(['Route', 'r']);
    h.delete('x');
    h.set('New', 'n');
    expect(h.entries()).toEqual([['Route', 'r'], ['VIA', 'only'], ['To', 't'], ['New', 'n']]);
    h.deleteFirst('absent');
    expect(h.size).toBe(4);
  });

  it('clone is independent', () => {
    const a = new Headers([['X', '1']]);
    const b = a.clone();
    b.append('X', '2');
    expect(a.getAll('x')).toEqual(['1']);
    expect(b.getAll('x')).toEqual(['1', '2']);
  });

  it('memoised views are dropped when the header list changes', () => {
    const req = parseReq(INVITE);
    expect(getBranch(req)).toBe('z9hG4bKnashds8');
    expect(getVias(req)).toHaveLength(3);
    req.headers.deleteFirst('via');
    expect(getBranch(req)).toBe('z9hG4bK2');
    expect(getVias(req)).toHaveLength(1);
    req.headers.prepend('Via', 'SIP/2.0/UDP new.example.com;branch=z9hG4bKnew');
    expect(getTopVia(req)?.host).toBe('new.example.com');
  });
});

describe('accessors', () => {
  it('read the typed views', () => {
    const req = parseReq(INVITE);
    expect(getVias(req).map((v) => v.host)).toEqual(['pc33.atlanta.example.com', 'p1.example.com', 'p2.example.com']);
    expect(getFromTag(req)).toBe('1928301774');
    expect(getToTag(req)).toBeUndefined();
    expect(getTo(req)?.displayName).toBe('Bob');
    expect(getMaxForwards(req)).toBe(70);
    expect(getExpires(req)).toBe(120);
    expect(getContentType(req)).toBe('application/sdp');
    expect(getRecordRoutes(req).map((r) => r.uri.host)).toEqual(['p1.example.com', 'p2.example.com']);
    expect(getRoutes(req)).toEqual([]);
  });

  it('malformed values read as absent', () => {
    const req = parseReq(INVITE.replace('CSeq: 314159 INVITE', 'CSeq: 99999999999 INVITE').replace('Expires: 0120', 'Expires: 99999999999'));
    expect(getCSeq(req)).toBeUndefined();
    expect(getExpires(req)).toBeUndefined();
    expect(validateRequest(req)).toEqual({ status: 400, reason: 'Bad CSeq' });
  });
});

describe('createResponse (RFC 3261 §8.2.6.2)', () => {
  it('copies Via lines in order, From, To, Call-ID, CSeq; adds the To tag; Timestamp only in 100', () => {
    const req = parseReq(INVITE);
    const res = createResponse(req, 180, undefined, { toTag: 'abc', headers: [['Contact', '<sip:bob@192.0.2.4>']] });
    expect(res.reason).toBe('Ringing');
    expect(res.headers.entries()).toEqual([
      ['Via', 'SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8, SIP/2.0/UDP p1.example.com;branch=z9hG4bK1'],
      ['Via', 'SIP/2.0/TCP p2.example.com;branch=z9hG4bK2'],
      ['From', 'Alice <sip:alice@atlanta.example.com>;tag=1928301774'],
      ['To', 'Bob <sip:bob@biloxi.example.com>;tag=abc'],
      ['Call-ID', 'a84b4c76e66710'],
      ['CSeq', '314159 INVITE'],
      ['Contact', '<sip:bob@192.0.2.4>'],
    ]);
    const trying = createResponse(req, 100);
    expect(trying.headers.get('timestamp')).toBe('54');
    expect(trying.headers.get('to')).toBe('Bob <sip:bob@biloxi.example.com>');
    const back = parseMessage(serialize(res));
    expect(back.ok && back.msg.type === 'response' && validateResponse(back.msg, { allowMultipleVias: true })).toBe(true);
  });

  it('keeps an existing To tag', () => {
    const req = parseReq(INVITE.replace('To: Bob <sip:bob@biloxi.example.com>', 'To: <sip:bob@b>;TAG=old'));
    expect(getToTag(createResponse(req, 200, 'OK', { toTag: 'new' }))).toBe('old');
  });
});

describe('serialize', () => {
  it('recomputes Content-Length in place from the body bytes and drops duplicates', () => {
    const req = parseReq(INVITE);
    req.body = Buffer.from('caf\u00e9', 'utf8');
    req.headers.append('l', '999');
    const text = serialize(req).toString('utf8');
    expect(text).toContain('Content-Length: 5\r\n');
    expect(text).not.toContain('999');
    expect(text.endsWith('\r\n\r\ncaf\u00e9')).toBe(true);
    expect(text.indexOf('Content-Length')).toBeLessThan(text.indexOf('\r\n\r\n'));
  });

  it('always emits Content-Length', () => {
    const r = createRequest({ method: 'OPTIONS', uri: 'sip:b@x', headers: [['Via', 'SIP/2.0/UDP h;branch=z9hG4bK1']] });
    expect(serialize(r).toString()).toBe('OPTIONS sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nContent-Length: 0\r\n\r\n');
  });

  it('never writes a line break from a header value or reason (header injection)', () => {
    const r = createRequest({ method: 'MESSAGE', uri: 'sip:b@x', headers: [['Subject', 'hi\r\nVia: evil']] });
    const out = parseMessage(serialize(r));
    expect(out.ok).toBe(true);
    if (out.ok) {
      expect(out.msg.headers.get('subject')).toBe('hi  Via: evil');
      expect(out.msg.headers.has('via')).toBe(false);
    }
    const res = createResponse(parseReq(INVITE), 486, 'Busy\r\nX-Evil: 1');
    const back = parseMessage(serialize(res));
    expect(back.ok && back.msg.headers.has('x-evil')).toBe(false);
  });

  it('createRequest rejects an invalid Request-URI with a typed error', () => {
    try {
      createRequest({ method: 'INVITE', uri: 'not a uri' });
      expect.unreachable();
    } catch (e) {
      expect(isStrowgerError(e, 'SIP_PARSE')).toBe(true);
    }
  });
});

describe('validateRequest / validateResponse', () => {
  const base = INVITE;
  it.each([
    [base.replace(/Call-ID: [^\r]*\r\n/, ''), 400, 'Missing Call-ID header'],
    [base.replace(/From: [^\r]*\r\n/, ''), 400, 'Missing From header'],
    [base.replace(/Via: [^\r]*\r\nv: [^\r]*\r\n/, ''), 400, 'Missing Via header'],
    [base.replace('CSeq: 314159 INVITE', 'CSeq: 314159 INVITE\r\nCSeq: 2 INVITE'), 400, 'Multiple CSeq headers'],
    [base.replace('Max-Forwards: 70', 'Max-Forwards: 70\r\nMax-Forwards: 69'), 400, 'Multiple Max-Forwards headers'],
    [base.replace('Max-Forwards: 70', 'Max-Forwards: 256'), 400, 'Bad Max-Forwards'],
    [base.replace('CSeq: 314159 INVITE', 'CSeq: 4294967296 INVITE'), 400, 'Bad CSeq'],
    [base.replace('CSeq: 314159 INVITE', 'CSeq: 1 BYE'), 400, 'CSeq method does not match request method'],
    [base.replace('CSeq: 314159 INVITE', 'CSeq: 1 INVITE' + 'A'.repeat(4096)), 400, 'CSeq method does not match request method'],
    [base.replace('Call-ID: a84b4c76e66710', 'Call-ID: a b'), 400, 'Bad Call-ID header'],
    [base.replace('Call-ID: a84b4c76e66710', 'Call-ID: a, b'), 400, 'Bad Call-ID header'],
    [base.replace('Contact: <sip:alice@pc33.atlanta.example.com>', 'Contact: <sip:a@x>,'), 400, 'Bad Contact header'],
    [base.replace('To: Bob <sip:bob@biloxi.example.com>', 'To: <sip:a@x>\r\nTo: <sip:b@y>;tag=2000'), 400, 'Multiple To headers'],
    [base.replace('Record-Route: <sip:p1.example.com;lr>', 'Record-Route: <sip:p1.example.com;lr'), 400, 'Bad Record-Route header'],
  ])('rejects with a reason that says what is wrong (%#)', (raw, status, reason) => {
    expect(validateRequest(parseReq(raw))).toEqual({ status, reason });
  });

  it('CSeq/method mismatch on an unknown method is left to the UAS core (501)', () => {
    expect(validateRequest(parseReq(base.replace('INVITE sip:', 'FOO sip:')))).toBeUndefined();
  });

  it('REGISTER needs a SIP To URI (RFC 3261 §10.2)', () => {
    const reg = base.replace('INVITE sip:', 'REGISTER sip:').replace('314159 INVITE', '1 REGISTER');
    expect(validateRequest(parseReq(reg))).toBeUndefined();
    expect(validateRequest(parseReq(reg.replace('To: Bob <sip:bob@biloxi.example.com>', 'To: <tel:+15551234>')))).toEqual({
      status: 400,
      reason: 'Bad To header: not a SIP URI',
    });
  });

  const RESPONSE = [
    'SIP/2.0 200 OK',
    'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8;received=192.0.2.1',
    'To: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf',
    'From: Alice <sip:alice@atlanta.example.com>;tag=1928301774',
    'Call-ID: a84b4c76e66710',
    'CSeq: 314159 INVITE',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');

  function res(raw: string) {
    const r = parseMessage(Buffer.from(raw));
    if (!r.ok || r.msg.type !== 'response') throw new Error('bad fixture');
    return r.msg;
  }

  it('keeps good responses and drops bad ones silently', () => {
    expect(validateResponse(res(RESPONSE))).toBe(true);
    expect(validateResponse(res(RESPONSE.replace('200 OK', '099 Odd')))).toBe(false);
    expect(validateResponse(res(RESPONSE.replace('200 OK', '700 Odd')))).toBe(false);
    expect(validateResponse(res(RESPONSE.replace('CSeq: 314159 INVITE', 'CSeq: 9292394834772304023312 INVITE')))).toBe(false);
    expect(validateResponse(res(RESPONSE.replace(/Call-ID: [^\r]*\r\n/, '')))).toBe(false);
    const twoVias = RESPONSE.replace('Via:', 'Via: SIP/2.0/UDP 255.255.255.255;branch=z9hG4bK2\r\nVia:');
    expect(validateResponse(res(twoVias))).toBe(false); // RFC 3261 §8.1.3.3
    expect(validateResponse(res(twoVias), { allowMultipleVias: true })).toBe(true);
  });

  it('reason phrases', () => {
    expect(reasonPhrase(200)).toBe('OK');
    expect(reasonPhrase(481)).toBe('Call/Transaction Does Not Exist');
    expect(reasonPhrase(422)).toBe('Session Interval Too Small');
    expect(reasonPhrase(499)).toBe('Client Error');
    expect(reasonPhrase(199)).toBe('Early Dialog Terminated');
  });
});

describe('accessors over any SipHeaders implementation', () => {
  it('work without the Headers memo', () => {
    const inner = parseReq(INVITE).headers;
    const plain: SipRequest['headers'] = {
      get: (n) => inner.get(n),
      getAll: (n) => inner.getAll(n),
      has: (n) => inner.has(n),
      set: (n, v) => inner.set(n, v),
      append: (n, v) => inner.append(n, v),
      prepend: (n, v) => inner.prepend(n, v),
      delete: (n) => inner.delete(n),
      deleteFirst: (n) => inner.deleteFirst(n),
      entries: () => inner.entries(),
      clone: () => inner.clone(),
    };
    const req: SipRequest = { ...parseReq(INVITE), headers: plain };
    expect(getBranch(req)).toBe('z9hG4bKnashds8');
    expect(getVias(req)).toHaveLength(3);
    expect(getFromTag(req)).toBe('1928301774');
    expect(getCSeq(req)).toEqual({ seq: 314159, method: 'INVITE' });
    expect(validateRequest(req)).toBeUndefined();
    expect(serialize(req).equals(serialize(parseReq(INVITE)))).toBe(true);
  });
});

describe('quoting helpers', () => {
  it('quote/unquote round-trip', () => {
    for (const s of ['plain', 'with "quotes"', 'back\\slash', '', 'tab\there']) {
      expect(unquote(quote(s))).toBe(s);
    }
    expect(quote('a\r\nb')).toBe('"a  b"');
  });
});
