/**
 * The minimal profile server's method -> handler map and UAS checks, over a loop transport (no
 * sockets) so every reply is inspected.
 */
import { describe, expect, it } from 'vitest';
import { ProfileServer } from '../../../src/endpoints/sofia/profile-server';
import { FakeClock } from '../../../src/util/clock';
import { logger } from '../../../src/util/logger';
import { parseMessage } from '../../../src/sip/message';
import type { SipResponse } from '../../../src/sip/message/types';
import { LoopNetwork } from '../../../src/sip/transport/loop';

async function setup() {
  const clock = new FakeClock();
  const net = new LoopNetwork(clock);
  const t = net.bind('UDP', '127.0.0.1', 5060);
  const profile = await ProfileServer.start({ name: 'internal', ip: '127.0.0.1', port: 5060, noListen: true, stack: { clock, logger, transports: [t] } });
  const peer = net.bind('UDP', '127.0.0.2', 5060);
  const got: SipResponse[] = [];
  peer.setHandler({
    onFrame: (f) => {
      const r = parseMessage(f.data);
      if (r.ok && r.msg.type === 'response') got.push(r.msg);
    },
  });
  let n = 0;
  const send = (method: string, extra: string[] = [], body = '') => {
    n++;
    const text =
      `${method} sip:1000@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.2:5060;branch=z9hG4bKps${n};rport\r\n` +
      `From: <sip:1001@127.0.0.2>;tag=t${n}\r\nTo: <sip:1000@127.0.0.1>\r\nCall-ID: ps-${n}\r\nCSeq: 1 ${method}\r\n` +
      (extra.some((e) => e.startsWith('Max-Forwards')) ? '' : 'Max-Forwards: 70\r\n') +
      extra.map((e) => e + '\r\n').join('') +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    peer.send(Buffer.from(text), { protocol: 'UDP', address: '127.0.0.1', port: 5060 });
    clock.advance(0);
    clock.advance(0);
    return got.at(-1)!;
  };
  return { profile, send, got };
}

describe('minimal profile server', () => {
  it('OPTIONS -> 200 with Allow, Accept, Supported, User-Agent', async () => {
    const { profile, send } = await setup();
    const r = send('OPTIONS');
    expect(r.status).toBe(200);
    expect(r.headers.get('allow')).toBe('INVITE, ACK, BYE, CANCEL, OPTIONS');
    expect(r.headers.get('accept')).toBe('application/sdp');
    expect(r.headers.has('supported')).toBe(true);
    expect(r.headers.get('user-agent')).toBe('Strowger');
    await profile.close();
    await profile.close();
  });

  it('OPTIONS with Max-Forwards 0 is handled locally (RFC 4475 zeromf)', async () => {
    const { send } = await setup();
    const r = send('OPTIONS', ['Max-Forwards: 0']);
    expect(r.status).toBe(200);
  });

  it('INVITE -> 100 then 480 (no call handling yet); BYE -> 481; REGISTER -> 405 + Allow; unknown -> 501', async () => {
    const { send, got } = await setup();
    send('INVITE', ['Content-Type: application/sdp'], 'v=0\r\n');
    expect(got.map((r) => r.status)).toEqual([100, 480]);
    expect(send('BYE').status).toBe(481);
    const reg = send('REGISTER');
    expect(reg.status).toBe(405);
    expect(reg.headers.get('allow')).toBe('INVITE, ACK, BYE, CANCEL, OPTIONS');
    expect(send('FROBNICATE').status).toBe(501);
  });

  it('a registered handler takes the method and appears in Allow; unhandle removes it; a throwing handler gets 500', async () => {
    const { profile, send } = await setup();
    // The checks' policy is cached between requests: a handler added later must still count.
    expect(send('REGISTER').status).toBe(405);
    profile.handle('REGISTER', ({ tx }) => {
      tx.reply(200, { headers: profile.commonHeaders() });
    });
    expect(profile.allow()).toEqual(['INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS', 'REGISTER']);
    expect(send('REGISTER').status).toBe(200);
    expect(send('OPTIONS').headers.get('allow')).toContain('REGISTER');
    profile.handle('MESSAGE', () => {
      throw new Error('handler bug');
    });
    expect(send('MESSAGE', ['Content-Type: application/sdp'], 'x').status).toBe(500);
    profile.unhandle('REGISTER');
    expect(send('REGISTER').status).toBe(405);
  });

  it('UAS checks run before handlers: 420, 415, 406, 416', async () => {
    const { send } = await setup();
    expect(send('OPTIONS', ['Require: foo']).status).toBe(420);
    expect(send('INVITE', ['Content-Type: application/unknownformat'], 'x').status).toBe(415);
    expect(send('INVITE', ['Content-Type: application/sdp', 'Accept: text/plain'], 'v=0\r\n').status).toBe(406);
  });

  it('body types added to accept after the first request are understood (the cached policy shares the list)', async () => {
    const { profile, send } = await setup();
    profile.handle('INFO', ({ tx }) => {
      tx.reply(200, { headers: profile.commonHeaders() });
    });
    expect(send('INFO', ['Content-Type: application/dtmf-relay'], 'Signal=1\r\nDuration=100\r\n').status).toBe(415);
    profile.accept.push('application/dtmf-relay');
    expect(send('INFO', ['Content-Type: application/dtmf-relay'], 'Signal=1\r\nDuration=100\r\n').status).toBe(200);
  });

  it('start() on a port already in use fails with a typed error', async () => {
    const a = await ProfileServer.start({ name: 'a', ip: '127.0.0.1', port: 0 });
    try {
      await expect(ProfileServer.start({ name: 'b', ip: '127.0.0.1', port: a.addresses.udp!.port })).rejects.toMatchObject({ code: 'SIP_TRANSPORT' });
    } finally {
      await a.close();
    }
  });
});
