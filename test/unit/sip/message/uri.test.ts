import { describe, expect, it } from 'vitest';
import { escapeUriParam, escapeUser, formatUri, parseUri } from '../../../../src/sip/message/index';

describe('parseUri', () => {
  it('reads every part of a sip URI', () => {
    expect(parseUri('sip:alice:secret@Atlanta.EXAMPLE.com:5070;transport=tcp;lr?Subject=hi%20there&Priority=urgent')).toEqual({
      scheme: 'sip',
      user: 'alice',
      password: 'secret',
      host: 'atlanta.example.com',
      port: 5070,
      params: [['transport', 'tcp'], ['lr', null]],
      headers: [['Subject', 'hi there'], ['Priority', 'urgent']],
    });
  });

  it('lower-cases scheme and host but keeps the user case', () => {
    const u = parseUri('SIPS:Bob@BiloXI.com')!;
    expect(u.scheme).toBe('sips');
    expect(u.user).toBe('Bob');
    expect(u.host).toBe('biloxi.com');
  });

  it('a port may have leading zeros within 5 digits', () => {
    expect(parseUri('sip:u@h:05060')!.port).toBe(5060);
  });

  it('reads a URI without user part', () => {
    expect(parseUri('sip:192.0.2.4')).toEqual({ scheme: 'sip', host: '192.0.2.4', params: [], headers: [] });
  });

  it('unescapes exactly once (RFC 4475 esc01)', () => {
    const u = parseUri('sip:cal%6Cer@h.example.net;%6C%72;n%61me=v%61lue%25%34%31')!;
    expect(u.user).toBe('caller');
    expect(u.params).toEqual([['lr', null], ['name', 'value%41']]);
  });

  it('decodes escaped UTF-8 and NUL', () => {
    expect(parseUri('sip:%C3%A9t%C3%A9@x')!.user).toBe('\u00e9t\u00e9');
    expect(parseUri('sip:a%00b@x')!.user).toBe('a\0b');
  });

  it('IPv6 references (RFC 5118)', () => {
    expect(parseUri('sip:[2001:DB8::10]')).toMatchObject({ host: '2001:db8::10' });
    expect(parseUri('sip:[2001:db8::10]:5070')).toMatchObject({ host: '2001:db8::10', port: 5070 });
    const ambiguous = parseUri('sip:[2001:db8::10:5070]')!;
    expect(ambiguous.host).toBe('2001:db8::10:5070');
    expect(ambiguous.port).toBeUndefined();
    expect(parseUri('sip:u@[2001:db8:::192.0.2.1]')!.host).toBe('2001:db8::192.0.2.1');
    expect(parseUri('sip:u@[::ffff:192.0.2.10]:19823')).toMatchObject({ host: '::ffff:192.0.2.10', port: 19823 });
  });

  it('tel URIs', () => {
    expect(parseUri('tel:+1-201-555-0123;phone-context=example.com')).toEqual({
      scheme: 'tel',
      user: '+1-201-555-0123',
      host: '',
      params: [['phone-context', 'example.com']],
      headers: [],
    });
  });

  it('other schemes are kept opaque', () => {
    expect(parseUri('urn:service:sos')).toEqual({ scheme: 'urn', host: '', params: [], headers: [], opaque: 'service:sos' });
    expect(parseUri('http://www.example.com')!.opaque).toBe('//www.example.com');
    expect(parseUri('nobodyKnowsThisScheme:totallyopaquecontent')!.scheme).toBe('nobodyknowsthisscheme');
  });

  it.each([
    ['sip:2001:db8::10', 'IPv6 without brackets (RFC 5118 ipv6-bad)'],
    ['sip:@h', 'empty user'],
    ['sip::5060', 'empty host'],
    ['sip:u@h:0', 'port 0'],
    ['sip:u@h:65536', 'port > 65535'],
    ['sip:u@h:123456', 'six-digit port'],
    ['sip:u@h:005060', 'six digits even with leading zeros'],
    ['sip:u@h:-1', 'negative port'],
    ['sip:u@h:', 'empty port'],
    ['sip:u@[::1', 'unclosed bracket'],
    ['sip:u@[1]', 'not an IPv6 address'],
    ['sip:u@h;;;', 'empty params'],
    ['sip:u@h;a=', 'empty param value'],
    ['sip:u@h?x', 'header without ='],
    ['sip:user@example.com; lr', 'LWS (RFC 4475 lwsruri)'],
    ['<sip:user@example.com>', 'angle brackets (RFC 4475 ltgtruri)'],
    ['sip:us er@h', 'space in user'],
    ['sip:a%ZZ@h', 'bad escape'],
    ['sip:a%4@h', 'truncated escape'],
    ['sip:a@h\r\nVia: x', 'CRLF injection'],
    ['sip:a@h\u00e9', 'raw non-ASCII'],
    ['sip:', 'empty'],
    ['1sip:a@h', 'scheme must start with a letter'],
    ['tel:', 'empty tel'],
    ['foo:', 'empty opaque'],
    ['foo:a b', 'space in opaque'],
    ['', 'empty string'],
  ])('rejects %j (%s)', (s) => {
    expect(parseUri(s)).toBeUndefined();
  });
});

describe('formatUri', () => {
  it('re-escapes what needs escaping and round-trips', () => {
    const u = parseUri('sip:x@h')!;
    u.user = 'a b@c%';
    u.params = [['na me', 'v;al']];
    u.headers = [['Route', '<sip:h;lr>']];
    const s = formatUri(u);
    expect(s).toBe('sip:a%20b%40c%25@h;na%20me=v%3Bal?Route=%3Csip:h%3Blr%3E');
    expect(parseUri(s)).toEqual(u);
  });

  it('puts IPv6 brackets back and keeps user-unreserved chars', () => {
    expect(formatUri(parseUri('sip:user;par=u%40example.net@[2001:db8::1]:5060;maddr=[2001:db8::2]')!)).toBe(
      'sip:user;par=u%40example.net@[2001:db8::1]:5060;maddr=[2001:db8::2]',
    );
  });

  it.each([
    'sip:alice@atlanta.example.com',
    'sips:bob:pw@biloxi.example.com:5061;transport=tls',
    'sip:+12125551212@gw.example.com;user=phone',
    'sip:[::1]:5060;lr',
    'tel:+1-201-555-0123;phone-context=example.com',
    'urn:service:sos',
    'sip:h?a=&b=c',
  ])('canonical form %s is a fixed point', (s) => {
    expect(formatUri(parseUri(s)!)).toBe(s);
  });

  it('escape helpers', () => {
    expect(escapeUser('a b;c')).toBe('a%20b;c');
    expect(escapeUriParam('x;y=z')).toBe('x%3By%3Dz');
    expect(escapeUser('\u00e9')).toBe('%C3%A9');
  });
});
