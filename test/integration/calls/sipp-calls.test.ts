/**
 * Calls through the real server with sipp on loopback (issue 5 "Done when", signalling): the
 * shipped conf/ with local_ip_v4=127.0.0.1, 1001 registered by a sipp UAS, 1000 calling it through
 * the internal profile (auth-calls, context default, `bridge user/1001@${domain_name}`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SofiaMediaHandle } from '../../../src/endpoints/sofia';
import { freePort } from '../support/ports';
import { headerIn, PORTS, sipp, startTestServer, waitUntil, type SippRun, type TestServer } from './harness';

let t: TestServer;
let uasPort: number;
let uacPort: number;

const target = (): string => `127.0.0.1:${t.internal}`;

async function register(expires: number): Promise<SippRun> {
  return sipp('register.xml', ['-m', '1', '-p', String(uasPort), '-s', '1001', '-au', '1001', '-ap', '1234', '-key', 'expires', String(expires), '-timeout', '5s', '-timeout_error', target()]);
}

/** Run a UAS scenario on 1001's registered port and a UAC scenario as 1000; wait for both. */
async function call(uas: string | undefined, uac: string, opts: { uasTimeout?: string; uacTransport?: 'u1' | 't1' } = {}): Promise<{ a: SippRun; b?: SippRun }> {
  const b = uas
    ? sipp(uas, ['-m', '1', '-p', String(uasPort), '-s', '1001', '-timeout', opts.uasTimeout ?? '10s', '-timeout_error'])
    : undefined;
  await new Promise((r) => setTimeout(r, 300)); // let the UAS bind its port
  const a = await sipp(uac, ['-m', '1', '-p', String(uacPort), '-t', opts.uacTransport ?? 'u1', '-s', '1001', '-au', '1000', '-ap', '1234', '-timeout', '10s', '-timeout_error', target()]);
  return { a, b: b ? await b : undefined };
}

function explain(r: SippRun | undefined): string {
  return r ? `exit ${r.code}\n${r.stderr.slice(-1500)}\n${r.messages.slice(-4000)}` : 'no run';
}

const internal = () => t.server.calls.handling.profile('internal')!;

beforeAll(async () => {
  t = await startTestServer();
  uasPort = await freePort({ range: PORTS });
  uacPort = await freePort({ range: PORTS });
  const r = await register(300);
  expect(r.code, explain(r)).toBe(0);
}, 30_000);

afterAll(async () => {
  // Leftover registrations would make later calls fork to a dead contact.
  await register(0);
  await t?.close();
}, 30_000);

describe('sipp through the B2BUA (internal profile, shipped dialplan)', () => {
  it('1000 calls registered 1001: INVITE, 407, INVITE with credentials, 100, 180, 200, ACK, BYE, 200; the B leg has its own Call-ID', async () => {
    const { a, b } = await call('uas-answer.xml', 'uac-call.xml');
    expect(a.code, explain(a)).toBe(0);
    expect(b?.code, explain(b)).toBe(0);
    const aCallIds = new Set(headerIn(a.messages, 'INVITE', 'Call-ID'));
    const bCallIds = new Set(headerIn(b!.messages, 'INVITE', 'Call-ID'));
    expect(aCallIds.size).toBe(1);
    expect(bCallIds.size).toBe(1);
    expect([...bCallIds][0]).not.toBe([...aCallIds][0]);
    // The B leg's BYE carries our Reason; the A leg's caller id reached B.
    expect(headerIn(b!.messages, 'BYE', 'Reason')[0]).toContain('Q.850;cause=16');
    expect(headerIn(b!.messages, 'INVITE', 'From')[0]).toContain('sip:1000@');
    await waitUntil(() => t.server.calls.core.sessionCount === 0, 3000, 'channels destroyed');
  }, 30_000);

  it('the same call with A over TCP (B stays on UDP): responses and the BYE use the connection', async () => {
    const { a, b } = await call('uas-answer.xml', 'uac-call.xml', { uacTransport: 't1' });
    expect(a.code, explain(a)).toBe(0);
    expect(b?.code, explain(b)).toBe(0);
    expect(headerIn(a.messages, 'SIP/2.0 200', 'Contact')[0]).toContain('transport=tcp');
    await waitUntil(() => t.server.calls.core.sessionCount === 0, 3000, 'channels destroyed');
  }, 30_000);

  it('CANCEL while ringing: A gets 487, B gets a CANCEL', async () => {
    const { a, b } = await call('uas-ring-cancel.xml', 'uac-cancel.xml');
    expect(a.code, explain(a)).toBe(0);
    expect(b?.code, explain(b)).toBe(0);
    expect(headerIn(b!.messages, 'CANCEL', 'Call-ID')).toHaveLength(1);
    await waitUntil(() => t.server.calls.core.sessionCount === 0, 3000, 'channels destroyed');
  }, 30_000);

  it('B busy: 486 reaches A', async () => {
    const { a, b } = await call('uas-busy.xml', 'uac-busy.xml');
    expect(a.code, explain(a)).toBe(0);
    expect(b?.code, explain(b)).toBe(0);
  }, 30_000);

  it('user/1002 with nobody registered: USER_NOT_REGISTERED, the caller gets 480', async () => {
    const before = internal().counters.outbound;
    const a = await sipp('uac-unregistered.xml', ['-m', '1', '-p', String(uacPort), '-s', '1002', '-au', '1000', '-ap', '1234', '-timeout', '10s', '-timeout_error', target()]);
    expect(a.code, explain(a)).toBe(0);
    expect(headerIn(a.messages, 'SIP/2.0 480', 'Reason')[0]).toContain('USER_NOT_REGISTERED');
    expect(internal().counters.outbound).toBe(before);
  }, 30_000);

  it('an unauthenticated INVITE gets 407 and B sees nothing', async () => {
    const before = internal().counters.outbound;
    const { a } = await call(undefined, 'uac-noauth.xml');
    expect(a.code, explain(a)).toBe(0);
    expect(headerIn(a.messages, 'SIP/2.0 407', 'Proxy-Authenticate')[0]).toContain('Digest');
    expect(internal().counters.outbound).toBe(before);
  }, 30_000);

  it('an offer with no common codec gets 488 (Reason Q.850 cause 88) and B sees nothing', async () => {
    const before = internal().counters.outbound;
    const { a } = await call(undefined, 'uac-nocodec.xml');
    expect(a.code, explain(a)).toBe(0);
    expect(internal().counters.outbound).toBe(before);
  }, 30_000);

  it('G722 first in the offer, B answers PCMU: A gets a G722 200 and the media is transcoded', async () => {
    const modes: string[] = [];
    const off = t.server.calls.core.events.on('CHANNEL_BRIDGE', (e) => {
      const ch = e.uuid ? t.server.calls.core.getChannel(e.uuid) : undefined;
      const m = ch?.media() as SofiaMediaHandle | undefined;
      modes.push(m?.bridgeStats()?.mode ?? 'none');
      modes.push(ch?.getVariable('media_bridge_mode') ?? 'unset');
    });
    try {
      const { a, b } = await call('uas-answer.xml', 'uac-g722.xml');
      expect(a.code, explain(a)).toBe(0);
      expect(b?.code, explain(b)).toBe(0);
      // B was offered what A offered (late negotiation: A's ep_codec_string), G722 and PCMU.
      expect(b!.messages).toMatch(/m=audio \d+ RTP\/AVP 9 0 /);
      expect(modes).toEqual(['transcode', 'transcode']);
    } finally {
      off();
    }
  }, 30_000);

  it('hold and unhold by re-INVITE from A: answered recvonly/sendrecv, relayed to B as sendonly/sendrecv', async () => {
    const { a, b } = await call('uas-answer-held.xml', 'uac-hold.xml');
    expect(a.code, explain(a)).toBe(0);
    expect(b?.code, explain(b)).toBe(0);
  }, 30_000);

  it('hold and unhold by re-INVITE from B: relayed to A', async () => {
    const { a, b } = await call('uas-hold.xml', 'uac-held.xml');
    expect(a.code, explain(a)).toBe(0);
    expect(b?.code, explain(b)).toBe(0);
    await waitUntil(() => t.server.calls.core.sessionCount === 0, 3000, 'channels destroyed');
    expect(internal().legCount).toBe(0);
  }, 30_000);
});
