import { describe, expect, it } from 'vitest';
import {
  deleteParam, formatNameAddr, formatVia, getParam, hasParam, parseNameAddr, parseNameAddrList, parseVia, setParam,
  type Params,
} from '../../../../src/sip/message/index';

describe('parseNameAddr', () => {
  it('quoted display name with escapes, URI params inside <>, header params outside', () => {
    expect(parseNameAddr('"A \\"B\\" \\\\C" <sip:a@x;lr>;tag=1;q=0.5')).toEqual({
      displayName: 'A "B" \\C',
      uri: { scheme: 'sip', user: 'a', host: 'x', params: [['lr', null]], headers: [] },
      params: [['tag', '1'], ['q', '0.5']],
    });
  });

  it('unquoted multi-token display name and no LWS before < (RFC 4475 lwsdisp)', () => {
    expect(parseNameAddr('A.  Bell <sip:a@x>')!.displayName).toBe('A.  Bell');
    expect(parseNameAddr('caller<sip:caller@example.com>;tag=323')!.displayName).toBe('caller');
  });

  it('addr-spec: every ; after the URI is a header param (RFC 3261 §20.10)', () => {
    const n = parseNameAddr('sip:+1972@gw1.example.net;unknownparam;tag=x')!;
    expect(n.uri.params).toEqual([]);
    expect(n.params).toEqual([['unknownparam', null], ['tag', 'x']]);
    expect(n.displayName).toBeUndefined();
  });

  it('LWS around ; and = and quoted param values kept with quotes', () => {
    const n = parseNameAddr('<sip:a@x> ; expires = 60 ;+sip.instance="<urn:uuid:1>"')!;
    expect(n.params).toEqual([['expires', '60'], ['+sip.instance', '"<urn:uuid:1>"']]);
  });

  it('empty quoted display name', () => {
    expect(parseNameAddr('"" <sip:a@x>')!.displayName).toBe('');
  });

  it.each([
    ['"unterminated <sip:a@x>', 'unterminated quote (RFC 4475 quotbal)'],
    ['"Watson, Thomas" < sip:t.watson@example.org >', 'spaces inside <> (badaspec)'],
    ['Bell, Alexander <sip:a@x>', 'unquoted comma (baddn)'],
    ['sip:user@example.com?Route=%3Csip:x%3E', 'headers in addr-spec (regbadct)'],
    ['"Joe" <sip:joe@example.org>;;;;', 'empty params (badinv01)'],
    ['<sip:a@x>;tag=', 'param without value'],
    ['<sip:a@x', 'unclosed <'],
    ['<sip:a@x>, <sip:b@y>', 'two values in a single-valued header'],
    ['<sip:a@x> junk', 'trailing junk'],
    ['', 'empty'],
    ['"a\r\nb" <sip:a@x>', 'raw CRLF in quotes'],
  ])('rejects %j (%s)', (s) => {
    expect(parseNameAddr(s)).toBeUndefined();
  });

  it('formats with <> and a quoted display name, and round-trips', () => {
    for (const s of ['"J Rosenberg \\\\\\"" <sip:j@x>;tag=1', 'caller<sip:c@x>', 'sip:a@b;tag=2', '<sip:a@[::1]:5060;lr>;x="y z"']) {
      const n = parseNameAddr(s)!;
      expect(parseNameAddr(formatNameAddr(n))).toEqual(n);
    }
    expect(formatNameAddr(parseNameAddr('sip:a@b;tag=2')!)).toBe('<sip:a@b>;tag=2');
    expect(formatNameAddr(parseNameAddr('caller <sip:c@x>')!)).toBe('"caller" <sip:c@x>');
  });
});

describe('parseNameAddrList', () => {
  it('splits on commas outside quotes and <>', () => {
    const list = parseNameAddrList('"a, b" <sip:a,b@x>;q=1 , <sip:c@y>,sip:d@z;expires=5')!;
    expect(list.map((n) => [n.displayName, n.uri.user, n.params])).toEqual([
      ['a, b', 'a,b', [['q', '1']]],
      [undefined, 'c', []],
      [undefined, 'd', [['expires', '5']]],
    ]);
  });

  it('wildcard Contact', () => {
    expect(parseNameAddrList('*')![0]!.wildcard).toBe(true);
    expect(formatNameAddr(parseNameAddrList(' * ')![0]!)).toBe('*');
  });

  it.each(['<sip:a@x>,', ',<sip:a@x>', '<sip:a@x>,,<sip:b@y>', '<sip:a@x> <sip:b@y>'])('rejects %j', (s) => {
    expect(parseNameAddrList(s)).toBeUndefined();
  });
});

describe('parseVia', () => {
  it('reads protocol, transport, sent-by and params with LWS around / and ;', () => {
    expect(parseVia('SIP  /   2.0 /UDP    192.0.2.2:5062 ;  branch=z9hG4bK1;rport;received=10.0.0.1')).toEqual([
      {
        protocol: 'SIP/2.0',
        transport: 'UDP',
        host: '192.0.2.2',
        port: 5062,
        params: [['branch', 'z9hG4bK1'], ['rport', null], ['received', '10.0.0.1']],
      },
    ]);
  });

  it('several values on one line', () => {
    const v = parseVia('SIP/2.0/TCP a.example.com;branch=z9hG4bK1 , SIP/2.0/udp [2001:db8::1]:5070;branch=z9hG4bK2;maddr=224.2.0.1;ttl=16')!;
    expect(v.map((x) => [x.transport, x.host, x.port])).toEqual([['TCP', 'a.example.com', undefined], ['UDP', '2001:db8::1', 5070]]);
    expect(getParam(v[1]!.params, 'maddr')).toBe('224.2.0.1');
  });

  it('received as IPv6 with and without brackets (RFC 5118 §4.5)', () => {
    expect(getParam(parseVia('SIP/2.0/UDP [2001:db8::9:1];received=2001:db8::9:255;branch=z9hG4bKas3')![0]!.params, 'branch')).toBe('z9hG4bKas3');
    expect(getParam(parseVia('SIP/2.0/UDP [2001:db8::9:1];received=[2001:db8::9:255];branch=b')![0]!.params, 'received')).toBe('[2001:db8::9:255]');
  });

  it('rport with value (in a response)', () => {
    expect(getParam(parseVia('SIP/2.0/UDP h;rport=5066;branch=z9hG4bKx')![0]!.params, 'rport')).toBe('5066');
  });

  it.each([
    ['SIP/2.0/UDP 192.0.2.15;;,;,,', 'stray ; and , (badinv01)'],
    ['SIP/2.0/UDP h,', 'trailing comma'],
    ['SIP/2.0 h', 'no transport'],
    ['SIP/2.0/UDP', 'no sent-by'],
    ['SIP/2.0/UDPh', 'no LWS before sent-by'],
    ['SIP/2.0/UDP h:0', 'port 0'],
    ['SIP/2.0/UDP h:70000', 'port too big'],
    ['SIP/2.0/UDP [::1', 'unclosed ['],
    ['SIP/2.0/UDP h;branch=1 x', 'trailing junk'],
    ['SIP/2.0/UDP h;branch=', 'empty param value'],
  ])('rejects %j (%s)', (s) => {
    expect(parseVia(s)).toBeUndefined();
  });

  it('formats and round-trips', () => {
    for (const s of ['SIP/2.0/UDP [2001:db8::1]:5070;branch=z9hG4bK2;rport', 'SIP/2.0/TLS h.example.com;branch=z9hG4bK1;received=1.2.3.4']) {
      const v = parseVia(s)![0]!;
      expect(formatVia(v)).toBe(s);
      expect(parseVia(formatVia(v))).toEqual([v]);
    }
  });
});

describe('params helpers', () => {
  it('get/has/set/delete are case-insensitive and keep order and case', () => {
    const p: Params = [['Branch', 'z9hG4bK1'], ['rport', null]];
    expect(getParam(p, 'branch')).toBe('z9hG4bK1');
    expect(getParam(p, 'RPORT')).toBeNull();
    expect(getParam(p, 'received')).toBeUndefined();
    expect(hasParam(p, 'rport')).toBe(true);
    setParam(p, 'rport', '5060');
    setParam(p, 'received', '10.0.0.1');
    expect(p).toEqual([['Branch', 'z9hG4bK1'], ['rport', '5060'], ['received', '10.0.0.1']]);
    expect(deleteParam(p, 'BRANCH')).toBe(true);
    expect(deleteParam(p, 'nope')).toBe(false);
    expect(p).toEqual([['rport', '5060'], ['received', '10.0.0.1']]);
  });
});
