/**
 * sipp against the minimal profile server on real sockets (127.0.0.1, ephemeral ports):
 * OPTIONS over UDP and TCP gets 200; an INVITE gets a final error, sipp ACKs it and the server's
 * INVITE transaction matches the ACK and completes.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProfileServer } from '../../../src/endpoints/sofia/profile-server';
import { freePort, runSipp, SCENARIOS } from './sipp';

let server: ProfileServer;
let port: number;

beforeAll(async () => {
  server = await ProfileServer.start({
    name: 'internal',
    ip: '127.0.0.1',
    port: 0,
    stack: { timers: { T1: 50, T2: 400, T4: 300 } },
  });
  port = server.addresses.udp!.port;
  expect(server.addresses.tcp!.port).toBe(port);
});

afterAll(async () => {
  await server.close();
  await server.close();
});

async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function sippArgs(scenario: string, transport: 'u1' | 't1', localPort: number): string[] {
  return [
    '-sf', join(SCENARIOS, scenario),
    '-m', '1',
    '-timeout', '10s',
    '-timeout_error',
    '-i', '127.0.0.1',
    '-p', String(localPort),
    '-t', transport,
    '-nostdin',
    '-s', 'service',
    `127.0.0.1:${port}`,
  ];
}

describe('minimal profile server with sipp', () => {
  it.each(['u1', 't1'] as const)('OPTIONS over %s -> 200 with Allow and Accept', async (t) => {
    const before = server.stack.counters().requestsIn;
    const r = await runSipp(sippArgs('options.xml', t, await freePort()));
    expect(r.code, r.stderr + r.stdout.slice(-2000)).toBe(0);
    expect(server.stack.counters().requestsIn).toBeGreaterThan(before);
  });

  it.each(['u1', 't1'] as const)('INVITE over %s -> 100, 480; the ACK completes the INVITE transaction', async (t) => {
    const c0 = server.stack.counters();
    const r = await runSipp(sippArgs('invite-rejected.xml', t, await freePort()));
    expect(r.code, r.stderr + r.stdout.slice(-2000)).toBe(0);
    const c1 = server.stack.counters();
    expect(c1.serverTransactionsCreated - c0.serverTransactionsCreated).toBe(1);
    expect(c1.acksMatched - c0.acksMatched).toBe(1);
    expect(c1.strayAcks - c0.strayAcks).toBe(0);
    // Confirmed -> Terminated after Timer I (T4 on UDP, zero on TCP).
    // (the earlier OPTIONS NISTs live for Timer J = 64*T1 = 3.2 s on UDP.)
    await waitFor(() => server.stack.counters().serverTransactions === 0, 8000);
  });

  it.each(['u1', 't1'] as const)("sipp's built-in uac over %s: gets 480, ACKs it, the server transaction matches the ACK", async (t) => {
    const c0 = server.stack.counters();
    const args = sippArgs('options.xml', t, await freePort());
    args.splice(0, 2, '-sn', 'uac');
    const r = await runSipp(args);
    // The built-in scenario expects 180/200, so sipp counts the call as failed (exit 1) ...
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('480 Temporarily Unavailable');
    // ... but it ACKed the 480 inside the INVITE transaction, and the server matched that ACK.
    await waitFor(() => server.stack.counters().acksMatched - c0.acksMatched === 1);
    const c1 = server.stack.counters();
    expect(c1.serverTransactionsCreated - c0.serverTransactionsCreated).toBe(1);
    expect(c1.strayAcks - c0.strayAcks).toBe(0);
  });
});
