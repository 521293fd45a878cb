/**
 * UDP and TCP transports on real loopback sockets (127.0.0.1, ephemeral ports). Timeouts run on a
 * FakeClock so the tests decide when a connection has been idle "long enough".
 */
import { createSocket } from 'node:dgram';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../../../src/util/clock';
import { logger } from '../../../../src/util/logger';
import { TcpTransport } from '../../../../src/sip/transport/tcp';
import type { ReceivedFrame } from '../../../../src/sip/transport/types';
import { UdpTransport } from '../../../../src/sip/transport/udp';

async function waitFor(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const MSG = (body = '') =>
  `OPTIONS sip:a@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1;branch=z9hG4bKs\r\nCall-ID: s\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function client(port: number): Promise<{ sock: Socket; data: () => string; closed: () => boolean }> {
  return new Promise((resolve, reject) => {
    let buf = '';
    let closed = false;
    const sock = createConnection({ host: '127.0.0.1', port }, () => resolve({ sock, data: () => buf, closed: () => closed }));
    sock.on('data', (d) => (buf += d.toString('latin1')));
    sock.on('close', () => (closed = true));
    sock.on('error', reject);
    cleanups.push(() => sock.destroy());
  });
}

describe('UdpTransport', () => {
  it('receives datagrams, ignores and counts bare CRLF keep-alives, sends back', async () => {
    const t = await UdpTransport.listen({ host: '127.0.0.1', port: 0, logger });
    cleanups.push(() => t.close());
    const frames: ReceivedFrame[] = [];
    t.setHandler({ onFrame: (f) => frames.push(f) });
    const peer = createSocket('udp4');
    cleanups.push(() => peer.close());
    const replies: string[] = [];
    peer.on('message', (m) => replies.push(m.toString()));
    await new Promise<void>((r) => peer.bind(0, '127.0.0.1', () => r()));
    peer.send('\r\n\r\n', t.local.port, '127.0.0.1');
    peer.send(MSG(), t.local.port, '127.0.0.1');
    await waitFor(() => frames.length === 1 && t.counters.keepAlivesIn === 1);
    expect(frames[0]!.remote).toEqual({ address: '127.0.0.1', port: peer.address().port });
    expect(frames[0]!.protocol).toBe('UDP');
    t.send(Buffer.from('pong'), { protocol: 'UDP', address: '127.0.0.1', port: peer.address().port });
    await waitFor(() => replies.length === 1);
    expect(replies).toEqual(['pong']);
  });

  it('send errors are reported and counted, never thrown', async () => {
    const t = await UdpTransport.listen({ host: '127.0.0.1', port: 0, logger });
    cleanups.push(() => t.close());
    const errors: Error[] = [];
    expect(() => t.send(Buffer.from('x'), { protocol: 'UDP', address: '127.0.0.1', port: 0 }, (e) => errors.push(e))).not.toThrow();
    await waitFor(() => errors.length === 1);
    expect(t.counters.sendErrors).toBe(1);
    await t.close();
    await t.close();
    t.send(Buffer.from('x'), { protocol: 'UDP', address: '127.0.0.1', port: 9 }, (e) => errors.push(e));
    await waitFor(() => errors.length === 2);
  });

  it('sends of one turn go out together at the end of the turn, in order; close() still sends what was queued', async () => {
    const t = await UdpTransport.listen({ host: '127.0.0.1', port: 0, logger });
    cleanups.push(() => t.close());
    const peer = createSocket('udp4');
    cleanups.push(() => peer.close());
    const got: string[] = [];
    peer.on('message', (m) => got.push(m.toString()));
    await new Promise<void>((r) => peer.bind(0, '127.0.0.1', () => r()));
    const to = { protocol: 'UDP' as const, address: '127.0.0.1', port: peer.address().port };
    for (let i = 0; i < 50; i++) t.send(Buffer.from(`m${i}`), to);
    expect(t.counters.framesOut).toBe(0); // queued, not yet sent within this turn
    await waitFor(() => got.length === 50);
    expect(got).toEqual(Array.from({ length: 50 }, (_, i) => `m${i}`));
    expect(t.counters.framesOut).toBe(50);
    t.send(Buffer.from('last'), to);
    await t.close();
    await waitFor(() => got.length === 51);
    expect(got[50]).toBe('last');
  });

  it('refuses to bind an address in use (control plane rejects)', async () => {
    const t = await UdpTransport.listen({ host: '127.0.0.1', port: 0, logger });
    cleanups.push(() => t.close());
    await expect(UdpTransport.listen({ host: '127.0.0.1', port: t.local.port, logger })).rejects.toThrow();
  });
});

describe('TcpTransport', () => {
  async function tcp(opts: {
    idleTimeoutMs?: number; messageTimeoutMs?: number; maxMessageSize?: number; maxConnections?: number; maxConnectionsPerIp?: number;
    maxMessagesPerTurn?: number;
  } = {}) {
    const clock = new FakeClock();
    const t = await TcpTransport.listen({ host: '127.0.0.1', port: 0, logger, clock, ...opts });
    cleanups.push(() => t.close());
    const frames: ReceivedFrame[] = [];
    t.setHandler({ onFrame: (f) => frames.push(f) });
    return { t, clock, frames };
  }

  it('frames messages split over writes and answers on the same connection', async () => {
    const { t, frames } = await tcp();
    const c = await client(t.local.port);
    const m = MSG('body');
    c.sock.write(m.slice(0, 20));
    await new Promise((r) => setTimeout(r, 20));
    c.sock.write(m.slice(20) + MSG());
    await waitFor(() => frames.length === 2);
    expect(frames[0]!.data.toString()).toBe(m);
    expect(frames[0]!.connectionId).toBeDefined();
    expect(frames[0]!.connectionId).toBe(frames[1]!.connectionId);
    t.send(Buffer.from('SIP/2.0 200 OK\r\n\r\n'), {
      protocol: 'TCP',
      address: frames[0]!.remote.address,
      port: frames[0]!.remote.port,
      connectionId: frames[0]!.connectionId,
    });
    await waitFor(() => c.data().includes('200 OK'));
    expect(t.connectionCount).toBe(1);
  });

  it('answers a CRLFCRLF ping with a CRLF pong (RFC 5626 §3.5.1)', async () => {
    const { t } = await tcp();
    const c = await client(t.local.port);
    c.sock.write('\r\n\r\n');
    await waitFor(() => c.data() === '\r\n');
    expect(t.counters.keepAlivesIn).toBe(1);
  });

  it('lost framing: the handler can answer 400 on the connection, then it is closed', async () => {
    const { t, frames } = await tcp();
    t.setHandler({
      onFrame: (f) => {
        frames.push(f);
        if (f.framingError) t.send(Buffer.from('SIP/2.0 400 Bad\r\n\r\n'), { protocol: 'TCP', address: '', port: 0, connectionId: f.connectionId });
      },
    });
    const c = await client(t.local.port);
    c.sock.write(MSG().replace('Content-Length: 0', 'Content-Length: -999'));
    await waitFor(() => c.closed());
    expect(frames[0]!.framingError).toMatch(/Content-Length/);
    expect(c.data()).toContain('400 Bad');
    expect(t.counters.framingErrors).toBe(1);
    expect(t.connectionCount).toBe(0);
  });

  it('closes a connection stuck in a partial message at the message timeout (RFC 4475 clerr)', async () => {
    const { t, clock } = await tcp({ messageTimeoutMs: 1000, idleTimeoutMs: 60_000 });
    const c = await client(t.local.port);
    c.sock.write(MSG().replace('Content-Length: 0', 'Content-Length: 9999'));
    await waitFor(() => t.counters.bytesIn > 0);
    clock.advance(999);
    await new Promise((r) => setTimeout(r, 30));
    expect(c.closed()).toBe(false);
    clock.advance(1);
    await waitFor(() => c.closed());
    expect(t.counters.idleTimeouts).toBe(1);
  });

  it('closes an inbound connection that never sends a message (message timeout) and an idle one (idle timeout)', async () => {
    const { t, clock, frames } = await tcp({ messageTimeoutMs: 500, idleTimeoutMs: 5000 });
    const silent = await client(t.local.port);
    const chatty = await client(t.local.port);
    chatty.sock.write(MSG());
    await waitFor(() => frames.length === 1);
    clock.advance(500);
    await waitFor(() => silent.closed());
    expect(chatty.closed()).toBe(false);
    clock.advance(4499);
    await new Promise((r) => setTimeout(r, 30));
    expect(chatty.closed()).toBe(false);
    clock.advance(1);
    await waitFor(() => chatty.closed());
    expect(t.counters.idleTimeouts).toBe(2);
  });

  it('oversized message: framing error, connection closed', async () => {
    const { t } = await tcp({ maxMessageSize: 2048 });
    const c = await client(t.local.port);
    c.sock.write('OPTIONS sip:a@b SIP/2.0\r\nX-Big: ' + 'x'.repeat(5000));
    await waitFor(() => c.closed());
    expect(t.counters.oversize).toBe(1);
  });

  it('opens outbound connections, reuses them, and reports refused connections', async () => {
    const { t, frames } = await tcp();
    let accepted = 0;
    let received = '';
    let peerSock: Socket | undefined;
    const server: Server = createServer((s) => {
      accepted++;
      peerSock = s;
      s.on('data', (d) => (received += d.toString()));
    });
    let serverClosed = false;
    cleanups.push(() => (serverClosed ? undefined : new Promise<void>((r) => server.close(() => r()))));
    cleanups.push(() => peerSock?.destroy());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    const target = { protocol: 'TCP' as const, address: '127.0.0.1', port };
    t.send(Buffer.from('one;'), target);
    t.send(Buffer.from('two;'), target);
    await waitFor(() => received === 'one;two;');
    expect(accepted).toBe(1);
    expect(t.connectionTo('127.0.0.1', port)).toBeDefined();
    // Messages coming back on the outbound connection are framed and delivered too.
    peerSock!.write(MSG());
    await waitFor(() => frames.length === 1);
    expect(frames[0]!.remote.port).toBe(port);

    const closedPort = port; // nothing listens after close
    peerSock!.destroy();
    await new Promise<void>((r) => server.close(() => r()));
    serverClosed = true;
    await waitFor(() => t.connectionTo('127.0.0.1', closedPort) === undefined);
    const errors: Error[] = [];
    t.send(Buffer.from('x'), target, (e) => errors.push(e));
    await waitFor(() => errors.length === 1);
    expect(t.counters.sendErrors).toBeGreaterThanOrEqual(1);
  });

  it('caps connections: excess inbound ones are closed at once', async () => {
    const { t } = await tcp({ maxConnections: 2 });
    const a = await client(t.local.port);
    const b = await client(t.local.port);
    await waitFor(() => t.connectionCount === 2);
    const c = await client(t.local.port);
    await waitFor(() => c.closed());
    expect(a.closed() || b.closed()).toBe(false);
  });

  it('caps inbound connections per IP; other IPs still get in; a freed slot can be reused', async () => {
    const { t } = await tcp({ maxConnectionsPerIp: 2 });
    const from = (ip: string) =>
      new Promise<{ sock: Socket; closed: () => boolean }>((res, rej) => {
        let closed = false;
        const sock = createConnection({ host: '127.0.0.1', port: t.local.port, localAddress: ip }, () => res({ sock, closed: () => closed }));
        sock.on('close', () => (closed = true));
        sock.on('error', rej);
        cleanups.push(() => sock.destroy());
      });
    const a = await from('127.0.0.5');
    await from('127.0.0.5');
    await waitFor(() => t.connectionCount === 2);
    const third = await from('127.0.0.5');
    await waitFor(() => third.closed());
    expect(t.counters.connectionsRefused).toBe(1);
    const other = await from('127.0.0.6');
    await waitFor(() => t.connectionCount === 3);
    expect(other.closed()).toBe(false);
    a.sock.destroy();
    await waitFor(() => t.connectionCount === 2);
    const again = await from('127.0.0.5');
    await waitFor(() => t.connectionCount === 3);
    expect(again.closed()).toBe(false);
  });

  it('a 10,000-message pipelined burst is delivered over many turns: a second connection is answered in the middle of it', async () => {
    const PER_TURN = 64;
    const { t } = await tcp({ maxMessagesPerTurn: PER_TURN });
    const N = 10_000;
    const pipelined = (seq: number) =>
      `OPTIONS sip:a@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1;branch=z9hG4bKa${seq}\r\nCall-ID: a\r\nCSeq: ${seq} OPTIONS\r\nContent-Length: 0\r\n\r\n`;
    const a = await client(t.local.port);
    const b = await client(t.local.port);
    await waitFor(() => t.connectionCount === 2);
    let aDelivered = 0;
    let inOrder = true;
    let aBeforeB = -1;
    t.setHandler({
      onFrame: (f) => {
        const text = f.data.toString('latin1');
        if (text.includes('Call-ID: b')) {
          aBeforeB = aDelivered;
          t.send(Buffer.from('SIP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n'), { protocol: 'TCP', address: '', port: 0, connectionId: f.connectionId });
          return;
        }
        if (!text.includes(`CSeq: ${aDelivered} OPTIONS`)) inOrder = false;
        aDelivered++;
        // B's request goes out once A's burst is being worked through.
        if (aDelivered === 1) b.sock.write(MSG().replace('Call-ID: s', 'Call-ID: b'));
      },
    });
    let burst = '';
    for (let i = 0; i < N; i++) burst += pipelined(i);
    a.sock.write(burst);
    await waitFor(() => b.data().includes('200 OK') && aDelivered === N, 20_000);
    // B was served after a few turns' worth of A's messages, not after the whole burst.
    expect(aBeforeB).toBeGreaterThan(0);
    expect(aBeforeB).toBeLessThanOrEqual(10 * PER_TURN);
    // Nothing of A's burst was lost or reordered, and reading from A paused meanwhile.
    expect(inOrder).toBe(true);
    expect(t.counters.framesIn).toBe(N + 1);
    expect(t.counters.backlogPauses).toBeGreaterThanOrEqual(1);
    expect(t.connectionCount).toBe(2);
  });

  it('close() closes every connection and is idempotent', async () => {
    const { t } = await tcp();
    const a = await client(t.local.port);
    await waitFor(() => t.connectionCount === 1);
    await t.close();
    await t.close();
    await waitFor(() => a.closed());
  });
});
