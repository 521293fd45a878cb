/**
 * RFC 3261 §8.2 UAS checks, on the RFC 4475 application-layer messages and synthetic cases.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRequest, parseMessage } from '../../../src/sip/message';
import type { SipRequest } from '../../../src/sip/message/types';
import { checkRequest, nextHopMaxForwards, type UasPolicy } from '../../../src/sip/uas-checks';

const FIX = resolve(__dirname, '../../../../shared/fixtures/rfc4475');

function fixture(name: string): SipRequest {
  const r = parseMessage(readFileSync(resolve(FIX, `${name}.dat`)));
  if (!r.ok || r.msg.type !== 'request') throw new Error(`${name} did not parse as a request`);
  return r.msg;
}

const POLICY: UasPolicy = { allow: ['INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS'] };

function make(method: string, headers: Array<[string, string]> = [], body?: string, uri = 'sip:a@127.0.0.1'): SipRequest {
  return createRequest({
    method,
    uri,
    headers: [['Via', 'SIP/2.0/UDP 127.0.0.2;branch=z9hG4bK1'], ['CSeq', `1 ${method}`], ...headers],
    body: body === undefined ? undefined : Buffer.from(body),
  });
}

describe('checkRequest on RFC 4475 messages', () => {
  it.each([
    ['intmeth', 501],
    ['esc02', 501],
    ['mismatch02', 501],
    ['unkscm', 416],
    ['novelsc', 416],
    ['bext01', 420],
    ['invut', 415],
    ['sdp01', 406],
    ['escnull', 405],
    ['mpart01', 405],
  ])('%s -> %i', (name, status) => {
    expect(checkRequest(fixture(name), POLICY)?.status).toBe(status);
  });

  it('501/405 carry Allow', () => {
    for (const name of ['intmeth', 'escnull']) {
      expect(checkRequest(fixture(name), POLICY)!.headers).toContainEqual(['Allow', 'INVITE, ACK, BYE, CANCEL, OPTIONS']);
    }
  });

  it('bext01: 420 lists the unknown Require tags (Proxy-Require ignored by a UAS)', () => {
    const r = checkRequest(fixture('bext01'), POLICY)!;
    expect(r.headers).toEqual([['Unsupported', 'nothingSupportsThis, nothingSupportsThisEither']]);
  });

  it('invut: 415 with Accept', () => {
    expect(checkRequest(fixture('invut'), POLICY)!.headers).toContainEqual(['Accept', 'application/sdp']);
  });

  it.each(['zeromf', 'wsinv', 'inv2543', 'badbranch', 'lwsdisp', 'transports'])('%s passes (handled locally)', (name) => {
    expect(checkRequest(fixture(name), POLICY)).toBeUndefined();
  });
});

describe('checkRequest, synthetic', () => {
  it('Require is not checked on ACK and CANCEL; supported tags pass (case-insensitive)', () => {
    expect(checkRequest(make('CANCEL', [['Require', 'foo']]), POLICY)).toBeUndefined();
    expect(checkRequest(make('ACK', [['Require', 'foo']]), POLICY)).toBeUndefined();
    expect(checkRequest(make('INVITE', [['Require', 'Timer, 100rel']]), { ...POLICY, supported: ['timer', '100rel'] })).toBeUndefined();
    expect(checkRequest(make('INVITE', [['Require', 'timer'], ['Require', 'x']]), { ...POLICY, supported: ['timer'] })!.headers).toEqual([
      ['Unsupported', 'x'],
    ]);
  });

  it('Accept on an INVITE with SDP: */*, application/* and application/sdp;q=0.5 pass; empty Accept is 406', () => {
    const sdp = [['Content-Type', 'application/sdp']] as Array<[string, string]>;
    for (const a of ['*/*', 'application/*', 'text/plain, application/sdp;q=0.5', 'APPLICATION/SDP']) {
      expect(checkRequest(make('INVITE', [...sdp, ['Accept', a]], 'v=0\r\n'), POLICY)).toBeUndefined();
    }
    expect(checkRequest(make('INVITE', [...sdp, ['Accept', '']], 'v=0\r\n'), POLICY)?.status).toBe(406);
    expect(checkRequest(make('INVITE', sdp, 'v=0\r\n'), POLICY)).toBeUndefined();
  });

  it('body without Content-Type or with a Content-Encoding we do not know: 415', () => {
    expect(checkRequest(make('INVITE', [], 'v=0\r\n'), POLICY)?.status).toBe(415);
    const gz = checkRequest(make('INVITE', [['Content-Type', 'application/sdp'], ['Content-Encoding', 'gzip']], 'xx'), POLICY)!;
    expect(gz.status).toBe(415);
    expect(gz.headers).toContainEqual(['Accept-Encoding', 'identity']);
  });

  it('method is checked before the URI scheme (§8.2.1 before §8.2.2)', () => {
    expect(checkRequest(make('REGISTER', [], undefined, 'tel:+15551234'), POLICY)?.status).toBe(405);
    expect(checkRequest(make('OPTIONS', [], undefined, 'tel:+15551234'), POLICY)?.status).toBe(416);
    expect(checkRequest(make('OPTIONS', [], undefined, 'tel:+15551234'), { ...POLICY, uriSchemes: ['sip', 'tel'] })).toBeUndefined();
  });
});

describe('nextHopMaxForwards (B-leg only; RFC 4475 zeromf)', () => {
  it.each([
    [undefined, { value: 70 }],
    ['70', { value: 69 }],
    ['1', { value: 0 }],
    ['0', { reject: 483, reason: 'Too Many Hops' }],
  ])('Max-Forwards %s', (mf, expected) => {
    const r = make('INVITE', mf === undefined ? [] : [['Max-Forwards', mf]]);
    expect(nextHopMaxForwards(r)).toEqual(expected);
  });

  it('zeromf would be 483 on a B-leg', () => {
    expect(nextHopMaxForwards(fixture('zeromf'))).toEqual({ reject: 483, reason: 'Too Many Hops' });
  });
});
