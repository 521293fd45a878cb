/**
 * In-dialog behaviour of the sofia legs over loop transports: Record-Route through proxies in both
 * directions (RFC 3261 §12.1.1, §12.1.2, §16.12), INFO/OPTIONS/UPDATE, re-INVITE without SDP,
 * early media, loops (482) and Max-Forwards (483), media timeout.
 */
import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { formatUri, getRoutes, type SipRequest } from '../../../../src/sip';
import { CallRig, MiniProxy, sdp, waitFor } from './call-rig';

const BRIDGE_B = [{ app: 'bridge', data: 'sofia/test/sip:1001@127.0.0.2:5060' }];

let rig: CallRig | undefined;
afterEach(async () => {
  await rig?.stop();
  rig = undefined;
});

const inbound = () => rig!.core.channels().find((c) => c.direction === 'inbound')!;
const requestsAtA = (): SipRequest[] => rig!.a.outgoing.flatMap((c) => c.requests);

describe('Record-Route and route sets', () => {
  it('A behind a record-routing proxy: the BYE toward A goes through the proxy with a Route header', async () => {
    rig = await new CallRig({ routes: { '1001': BRIDGE_B } }).start();
    const proxy = new MiniProxy(rig.net, '127.0.0.50');
    const call = rig.a.call('1001', { proxy: { address: '127.0.0.50', port: 5060 } });
    await waitFor(() => call.finalStatus === 200 && rig!.b.incoming[0]?.acked === true, 3000, 'answered');
    const ok = call.responses.find((r) => r.status === 200)!;
    expect(ok.headers.getAll('record-route')).toEqual(['<sip:127.0.0.50;lr>']);
    expect(call.dialog!.routeSet.map((r) => formatUri(r.uri))).toEqual(['sip:127.0.0.50;lr']);
    // B hangs up: our BYE to A must travel through the proxy (loose routing, §12.2.1.1).
    const inB = rig.b.incoming[0]!;
    rig.b.stack.sendRequest(inB.dialog!.createRequest('BYE'), { protocol: 'UDP', address: '127.0.0.1', port: 5060 });
    await waitFor(() => requestsAtA().some((r) => r.method === 'BYE'), 3000, 'BYE at A');
    const bye = requestsAtA().find((r) => r.method === 'BYE')!;
    expect(formatUri(bye.uri)).toBe('sip:1000@127.0.0.10:5060');
    expect(proxy.seen.filter((m) => m === 'BYE')).toHaveLength(1);
    await waitFor(() => rig!.core.sessionCount === 0, 3000, 'channels destroyed');
  });

  it("A's BYE through the proxy reaches us; ACK went through the proxy too", async () => {
    rig = await new CallRig({ routes: { '1001': BRIDGE_B } }).start();
    const proxy = new MiniProxy(rig.net, '127.0.0.50');
    const call = rig.a.call('1001', { proxy: { address: '127.0.0.50', port: 5060 } });
    await waitFor(() => call.finalStatus === 200, 3000, 'answered');
    const res = await call.request('BYE');
    expect(res.status).toBe(200);
    expect(proxy.seen).toContain('ACK');
    expect(proxy.seen).toContain('BYE');
    await waitFor(() => rig!.core.sessionCount === 0, 3000, 'channels destroyed');
  });

  it('B behind a record-routing proxy: our route set toward B is the reversed Record-Route and our BYE uses it', async () => {
    rig = await new CallRig({ routes: { '1001': BRIDGE_B } }).start();
    const proxy = new MiniProxy(rig.net, '127.0.0.51');
    rig.b.behaviour = { kind: 'answer', recordRoute: '<sip:127.0.0.51;lr>' };
    const call = rig.a.call('1001');
    await waitFor(() => call.finalStatus === 200, 3000, 'answered');
    const bLeg = rig.core.channels().find((c) => c.direction === 'outbound')!;
    const { SipLeg } = await import('../../../../src/endpoints/sofia');
    const d = (bLeg.driver as InstanceType<typeof SipLeg>).dialog!;
    expect(d.routeSet.map((r) => formatUri(r.uri))).toEqual(['sip:127.0.0.51;lr']);
    // The ACK for B's 200 already followed the route set (§13.2.2.4).
    await waitFor(() => proxy.seen.includes('ACK'), 2000, 'ACK through the proxy');
    await call.request('BYE');
    const inB = rig.b.incoming[0]!;
    await waitFor(() => inB.requests.some((r) => r.method === 'BYE'), 3000, 'BYE at B');
    const bye = inB.requests.find((r) => r.method === 'BYE')!;
    expect(proxy.seen.filter((m) => m === 'BYE')).toHaveLength(1);
    expect(getRoutes(bye)).toHaveLength(0); // the proxy popped its own Route
    expect(formatUri(bye.uri)).toBe('sip:1001@127.0.0.2:5060');
  });
});

describe('requests inside the dialog', () => {
  it('INFO with application/dtmf-relay becomes a DTMF on the channel; OPTIONS gets 200', async () => {
    rig = await new CallRig({ routes: { '1001': BRIDGE_B } }).start();
    const call = rig.a.call('1001');
    await waitFor(() => call.finalStatus === 200, 3000, 'answered');
    const digits: string[] = [];
    inbound().local.on('dtmf', (d) => digits.push(d));
    const info = await call.request('INFO', { headers: [['Content-Type', 'application/dtmf-relay']], body: 'Signal=5\r\nDuration=160\r\n' });
    expect(info.status).toBe(200);
    expect(digits).toEqual(['5']);
    const opt = await call.request('OPTIONS');
    expect(opt.status).toBe(200);
  });

  it('UPDATE with an SDP offer is answered in its 200 (RFC 3311)', async () => {
    rig = await new CallRig({ routes: { '1001': BRIDGE_B } }).start();
    const call = rig.a.call('1001');
    await waitFor(() => call.finalStatus === 200, 3000, 'answered');
    const up = await call.request('UPDATE', { body: sdp(40012, [[0, 'PCMU/8000']], 'sendonly') });
    expect(up.status).toBe(200);
    expect(up.body.toString()).toContain('a=recvonly');
    expect(inbound().callState).toBe('HELD');
  });

  it('a re-INVITE without SDP gets our offer in the 200; the answer comes in the ACK', async () => {
    rig = await new CallRig({ routes: { '1001': BRIDGE_B } }).start();
    const call = rig.a.call('1001');
    await waitFor(() => call.finalStatus === 200, 3000, 'answered');
    const before = inbound().media()!;
    const re = await call.request('INVITE');
    expect(re.status).toBe(200);
    expect(re.body.toString()).toContain('m=audio');
    expect(re.body.toString()).toContain('a=rtpmap:0 PCMU/8000');
    expect(inbound().media()).toBe(before);
  });

  it('out-of-order CSeq gets 500', async () => {
    rig = await new CallRig({ routes: { '1001': BRIDGE_B } }).start();
    const call = rig.a.call('1001');
    await waitFor(() => call.finalStatus === 200, 3000, 'answered');
    await call.request('OPTIONS');
    call.dialog!.localSeq = 1; // make the next request reuse an old number
    const res = await call.request('INFO');
    expect(res.status).toBe(500);
  });
});

describe('early media, loops, hops, timeouts', () => {
  it("B's 183 with SDP pre-answers A (183 with our SDP) and the early media is bridged", async () => {
    rig = await new CallRig({ routes: { '1001': BRIDGE_B } }).start();
    rig.b.behaviour = { kind: 'answer', ringMs: 150, early: true };
    const call = rig.a.call('1001');
    await waitFor(() => call.has(183), 3000, '183 at A');
    expect(call.responses.find((r) => r.status === 183)!.body.toString()).toContain('m=audio');
    await waitFor(() => inbound().getVariable('media_bridge_mode') !== undefined, 2000, 'early bridge');
    expect(inbound().getVariable('media_bridge_mode')).toBe('relay');
    await waitFor(() => call.finalStatus === 200, 3000, 'answered');
  });

  it('a loop through ourselves: our own B leg coming back gets 482, the caller gets 482', async () => {
    rig = await new CallRig({
      routes: { '7000': [{ app: 'bridge', data: 'sofia/test/sip:7000@127.0.0.1:5060' }, { app: 'hangup', data: '${originate_disposition}' }] },
    }).start();
    const call = rig.a.call('7000');
    await waitFor(() => call.finalStatus !== undefined, 4000, 'final');
    expect(rig.profile.counters.loops).toBe(1);
    expect(call.finalStatus).toBe(482);
  });

  it('Max-Forwards 0 on a call that must be forwarded: 483, and no B leg', async () => {
    rig = await new CallRig({ routes: { '1001': [...BRIDGE_B, { app: 'hangup', data: '${originate_disposition}' }] } }).start();
    const call = rig.a.call('1001', { headers: [['Max-Forwards', '0']] });
    await waitFor(() => call.finalStatus !== undefined, 3000, 'final');
    expect(call.finalStatus).toBe(483);
    expect(rig.b.incoming).toHaveLength(0);
  });

  it('Max-Forwards is decremented on the B leg', async () => {
    rig = await new CallRig({ routes: { '1001': BRIDGE_B } }).start();
    const call = rig.a.call('1001', { headers: [['Max-Forwards', '12']] });
    await waitFor(() => call.finalStatus === 200, 3000, 'answered');
    expect(rig.b.incoming[0]!.invite.headers.get('max-forwards')).toBe('11');
  });

  it('no ACK for our 200 within 64*T1: the call is torn down with BYEs and nothing is left behind', async () => {
    rig = await new CallRig({ routes: { '1001': [{ app: 'set', data: 'hangup_after_bridge=true' }, ...BRIDGE_B] } }).start();
    const call = rig.a.call('1001', { noAck: true });
    await waitFor(() => call.finalStatus === 200, 3000, 'answered');
    // 64*T1 = 2.56 s with the rig's T1 of 40 ms; our 200 is retransmitted meanwhile.
    await waitFor(() => requestsAtA().some((r) => r.method === 'BYE'), 5000, 'BYE at A');
    expect(call.responses.filter((r) => r.status === 200).length).toBeGreaterThan(2);
    await waitFor(() => rig!.b.incoming[0]!.requests.some((r) => r.method === 'BYE'), 3000, 'BYE at B');
    await waitFor(() => rig!.core.sessionCount === 0 && rig!.profile.legCount === 0 && rig!.profile.dialogs.size === 0, 3000, 'all gone');
  });

  it('RFC 4733 packets on the A leg\'s RTP port become one DTMF event on the channel, source RTP', async () => {
    rig = await new CallRig({ routes: { '1001': [{ app: 'answer', data: '' }, { app: 'sleep', data: '3000' }] } }).start();
    const sock = createSocket('udp4');
    await new Promise<void>((r, j) => {
      sock.once('error', j);
      sock.bind(0, '127.0.0.1', () => r());
    });
    try {
      const call = rig.a.call('1001', { sdp: sdp(sock.address().port, [[0, 'PCMU/8000'], [101, 'telephone-event/8000']]) });
      await waitFor(() => call.finalStatus === 200, 3000, 'answered');
      const a = inbound();
      const dtmf: Array<Map<string, string>> = [];
      rig.core.events.on('DTMF', (e) => dtmf.push(e.headers));
      const port = (a.driver as unknown as { legMedia: { session: { localPort: number } } }).legMedia.session.localPort;
      // digit 7: start, continuation, three ends (same timestamp), 8000 Hz, duration 800 = 100 ms
      const packets: Array<[number, boolean, number]> = [[1, true, 160], [2, false, 320], [3, false, 800], [4, false, 800], [5, false, 800]];
      for (const [seq, marker, dur] of packets) {
        const end = seq >= 3;
        const pkt = Buffer.from([0x80, (marker ? 0x80 : 0) | 101, 0, seq, 0, 0, 0x10, 0, 0x11, 0x22, 0x33, 0x44, 7, (end ? 0x80 : 0) | 10, dur >> 8, dur & 0xff]);
        await new Promise<void>((r) => sock.send(pkt, port, '127.0.0.1', () => r()));
      }
      await waitFor(() => dtmf.length > 0, 2000, 'DTMF event');
      await new Promise((r) => setTimeout(r, 100));
      expect(dtmf.length).toBe(1);
      expect(dtmf[0]!.get('DTMF-Digit')).toBe('7');
      expect(dtmf[0]!.get('DTMF-Duration')).toBe('800');
      expect(dtmf[0]!.get('DTMF-Source')).toBe('RTP');
    } finally {
      sock.close();
    }
  });

  it('no RTP for media_timeout: MEDIA_TIMEOUT, both legs get BYE', async () => {
    rig = await new CallRig({ profile: { 'media-timeout': '400' }, routes: { '1001': [{ app: 'set', data: 'hangup_after_bridge=true' }, ...BRIDGE_B] } }).start();
    const call = rig.a.call('1001');
    await waitFor(() => call.finalStatus === 200, 3000, 'answered');
    const a = inbound();
    await waitFor(() => !a.up, 4000, 'media timeout');
    expect(a.hangupCause).toBe('MEDIA_TIMEOUT');
    await waitFor(() => requestsAtA().some((r) => r.method === 'BYE'), 3000, 'BYE at A');
    expect(requestsAtA().find((r) => r.method === 'BYE')!.headers.get('reason')).toContain('MEDIA_TIMEOUT');
    await waitFor(() => rig!.b.incoming[0]!.requests.some((r) => r.method === 'BYE'), 3000, 'BYE at B');
  });
});
