/**
 * Wire torture runner: meant to run INSIDE a network namespace that has only loopback (see
 * torture-wire.test.ts), because the RFC 4475/5118 messages name hosts like 192.0.2.x and
 * example.com and nothing may leave the machine.
 *
 * Starts a minimal profile server on 127.0.0.1:5060, sends every RFC 4475 request/response file
 * and every (converted) RFC 5118 file as one UDP datagram from 127.0.0.2:5060, records the
 * responses that come back (correlated by Call-ID; the server answers at received:sent-by port, so
 * the runner listens on every top-Via port found in the files), checks that OPTIONS still gets 200
 * after each one, then repeats the stream framing cases over TCP. Prints one line:
 *   TORTURE_RESULT {json}
 * Bounded: every wait has a deadline; the whole run takes a few seconds.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ProfileServer } from '../../../src/endpoints/sofia/profile-server';
import { builtinAcls } from '../../../src/config';
import { Directory } from '../../../src/directory';
import { MemoryLocationStore } from '../../../src/endpoints/sofia/location';
import { Registrar } from '../../../src/endpoints/sofia/registrar';
import { registrarSettings } from '../../../src/endpoints/sofia/registrar-settings';
import { getCallId, getTopVia, parseMessage } from '../../../src/sip/message';

const HERE = dirname(fileURLToPath(import.meta.url));
const FIX = resolve(HERE, '../../../../shared/fixtures');
const SERVER = { address: '127.0.0.1', port: 5060 };
const SENDER_IP = '127.0.0.2';
const WINDOW_MS = 300;
const MESSAGE_TIMEOUT_MS = 500;

interface ManifestEntry {
  name: string;
  file: string;
  kind?: 'request' | 'response';
  expect: string;
}

export interface UdpCaseResult {
  suite: 'rfc4475' | 'rfc5118';
  name: string;
  expect: string;
  kind: 'request' | 'response';
  statuses: number[];
  reasons: string[];
  optionsOk: boolean;
  delta: { parseErrors: number; strayResponses: number; responsesDropped: number; requestsIn: number };
}

export interface TcpCaseResult {
  name: string;
  statuses: number[];
  closed: boolean;
  closedAfterMs: number | null;
  optionsOk?: boolean;
}

export interface TortureResult {
  udp: UdpCaseResult[];
  tcp: TcpCaseResult[];
  /** A response routed (Via maddr) toward 192.0.2.1: must fail inside the netns, be counted, not crash. */
  unreachable: { sendErrors: number; statuses: number[]; optionsOk: boolean };
  messageTimeoutMs: number;
  /** Server counters summed over every per-message server. */
  counters: Record<string, number>;
}

/** RFC 5118 README: LF -> CRLF, close the header section, recompute Content-Length. */
export function convert5118(raw: Buffer): Buffer {
  let text = raw.toString('latin1').split('\n').join('\r\n');
  let headEnd = text.indexOf('\r\n\r\n');
  if (headEnd < 0) {
    text = text.endsWith('\r\n') ? text + '\r\n' : text + '\r\n\r\n';
    headEnd = text.indexOf('\r\n\r\n');
  }
  const head = text.slice(0, headEnd + 2);
  const body = text.slice(headEnd + 4);
  const lines = head.split('\r\n').map((line) => {
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon).trim().toLowerCase() : '';
    return name === 'content-length' || name === 'l' ? `${line.slice(0, colon)}: ${Buffer.byteLength(body, 'latin1')}` : line;
  });
  return Buffer.from(lines.join('\r\n') + '\r\n' + body, 'latin1');
}

function callIdsOf(buf: Buffer): string[] {
  const text = buf.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  const out: string[] = [];
  for (const line of (end < 0 ? text : text.slice(0, end)).split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (name === 'call-id' || name === 'i') out.push(line.slice(colon + 1).trim());
  }
  return out;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function bindUdp(address: string, port: number): Promise<UdpSocket> {
  const s = createSocket('udp4');
  await new Promise<void>((res, rej) => {
    s.once('error', rej);
    s.bind(port, address, () => res());
  });
  return s;
}

/**
 * A fresh server per message: several RFC 4475 files reuse the same branch and sent-by (cparam01
 * and cparam02 both say `saturn.example.com:5060;branch=z9hG4bKkdjuw`), and RFC 3261 §17.2.3
 * rightly matches the second to the first's transaction (a "retransmission"). Each file is a test
 * of its own, so each gets a server with no transactions.
 */
function startServer(): Promise<ProfileServer> {
  return ProfileServer.start({
    name: 'torture',
    ip: SERVER.address,
    port: SERVER.port,
    stack: { stream: { messageTimeoutMs: MESSAGE_TIMEOUT_MS } },
  });
}

/**
 * The registrar (issue 4) on a per-message server. RFC 4475 §3.3 expects regaut01 to be
 * challenged, so that server authenticates; for the others (cparam01, cparam02, regescrt, ...)
 * the REGISTER must succeed, so those servers accept registrations blindly.
 */
function attachRegistrar(server: ProfileServer, name: string): Registrar {
  return new Registrar({
    profile: 'torture',
    settings: registrarSettings({ acceptBlindReg: name !== 'regaut01' }),
    store: new MemoryLocationStore(),
    directory: Directory.fromConfig([]),
    acls: builtinAcls('127.0.0.1/32'),
  }).attach(server);
}

async function main(): Promise<void> {
  const cases: Array<{ suite: 'rfc4475' | 'rfc5118'; entry: ManifestEntry; bytes: Buffer }> = [];
  for (const suite of ['rfc4475', 'rfc5118'] as const) {
    const manifest = JSON.parse(readFileSync(resolve(FIX, suite, 'manifest.json'), 'utf8')) as { messages: ManifestEntry[] };
    for (const entry of manifest.messages) {
      const raw = readFileSync(resolve(FIX, suite, entry.file));
      cases.push({ suite, entry, bytes: suite === 'rfc5118' ? convert5118(raw) : raw });
    }
  }

  // Listen wherever the server may answer: sent-by ports of the top Vias (received = our IP).
  const ports = new Set([5060]);
  for (const c of cases) {
    const r = parseMessage(c.bytes);
    const via = r.ok ? getTopVia(r.msg) : undefined;
    if (via?.port) ports.add(via.port);
  }
  const inbox: Array<{ status: number; reason: string; callId?: string; at: number }> = [];
  const sockets: UdpSocket[] = [];
  for (const p of ports) {
    const s = await bindUdp(SENDER_IP, p);
    s.on('message', (m) => {
      const r = parseMessage(m);
      if (r.ok && r.msg.type === 'response') inbox.push({ status: r.msg.status, reason: r.msg.reason, callId: getCallId(r.msg), at: Date.now() });
    });
    sockets.push(s);
  }
  const sender = sockets[0]!;

  // Liveness probe from another address.
  const prober = await bindUdp('127.0.0.3', 5062);
  let probeSeq = 0;
  const probe = async (): Promise<boolean> => {
    const id = `probe-${++probeSeq}`;
    const got = new Promise<boolean>((res) => {
      const t = setTimeout(() => res(false), 1000);
      prober.once('message', (m) => {
        clearTimeout(t);
        const r = parseMessage(m);
        res(r.ok && r.msg.type === 'response' && r.msg.status === 200 && getCallId(r.msg) === id);
      });
    });
    const text =
      `OPTIONS sip:probe@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.3:5062;branch=z9hG4bK${id};rport\r\n` +
      `From: <sip:p@127.0.0.3>;tag=p\r\nTo: <sip:probe@127.0.0.1>\r\nCall-ID: ${id}\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`;
    prober.send(text, SERVER.port, SERVER.address);
    return got;
  };

  const udp: UdpCaseResult[] = [];
  const totals: Record<string, number> = {};
  const addTotals = (server: ProfileServer) => {
    const c = server.stack.counters();
    for (const k of ['requestsIn', 'responsesIn', 'parseErrors', 'badRequestsAnswered', 'invalidRequests', 'responsesDropped', 'strayResponses', 'sendErrors', 'unroutable'] as const) {
      totals[k] = (totals[k] ?? 0) + c[k];
    }
  };
  for (const c of cases) {
    const server = await startServer();
    const registrar = attachRegistrar(server, c.entry.name);
    const ids = callIdsOf(c.bytes);
    const before = server.stack.counters();
    const start = inbox.length;
    sender.send(c.bytes, SERVER.port, SERVER.address);
    const kind = c.entry.kind ?? (c.bytes.toString('latin1').startsWith('SIP/') ? 'response' : 'request');
    const deadline = Date.now() + WINDOW_MS;
    const mine = () => inbox.slice(start).filter((x) => (ids.length === 0 ? x.callId === undefined : x.callId !== undefined && ids.includes(x.callId)));
    // Wait for a final response (or the window), then a little longer for extras.
    while (Date.now() < deadline && !mine().some((x) => x.status >= 200)) await sleep(5);
    if (mine().length > 0) await sleep(50);
    const after = server.stack.counters();
    const got = mine();
    udp.push({
      suite: c.suite,
      name: c.entry.name,
      expect: c.entry.expect,
      kind,
      statuses: got.map((x) => x.status),
      reasons: got.map((x) => x.reason),
      optionsOk: await probe(),
      delta: {
        parseErrors: after.parseErrors - before.parseErrors,
        strayResponses: after.strayResponses - before.strayResponses,
        responsesDropped: after.responsesDropped - before.responsesDropped,
        requestsIn: after.requestsIn - before.requestsIn,
      },
    });
    addTotals(server);
    await registrar.close();
    await server.close();
  }

  // Stream framing over TCP.
  const tcp: TcpCaseResult[] = [];
  for (const name of ['clerr', 'ncl', 'mcl01', 'baddn']) {
    const server = await startServer();
    const bytes = readFileSync(resolve(FIX, 'rfc4475', `${name}.dat`));
    const res = await new Promise<TcpCaseResult>((done) => {
      let data = '';
      const started = Date.now();
      const sock = createConnection({ host: SERVER.address, port: SERVER.port, localAddress: SENDER_IP });
      const hard = setTimeout(() => {
        sock.destroy();
        done({ name, statuses: statusesIn(data), closed: false, closedAfterMs: null });
      }, MESSAGE_TIMEOUT_MS + 3000);
      sock.on('connect', () => sock.write(bytes));
      sock.on('data', (d) => (data += d.toString('latin1')));
      sock.on('error', () => {});
      sock.on('close', () => {
        clearTimeout(hard);
        done({ name, statuses: statusesIn(data), closed: true, closedAfterMs: Date.now() - started });
      });
    });
    res.optionsOk = await probe();
    tcp.push(res);
    addTotals(server);
    await server.close();
  }

  // §18.2.2: a Via maddr sends the response there; inside the namespace 192.0.2.1 is unreachable.
  const unreachable = await (async () => {
    const server = await startServer();
    const start = inbox.length;
    sender.send(
      'OPTIONS sip:a@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.2:5060;maddr=192.0.2.1;branch=z9hG4bKmaddr\r\n' +
        'From: <sip:b@x>;tag=1\r\nTo: <sip:a@x>\r\nCall-ID: maddr-1\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n',
      SERVER.port,
      SERVER.address,
    );
    const deadline = Date.now() + WINDOW_MS;
    while (Date.now() < deadline && server.stack.counters().sendErrors === 0) await sleep(5);
    const out = {
      sendErrors: server.stack.counters().sendErrors,
      statuses: inbox.slice(start).filter((x) => x.callId === 'maddr-1').map((x) => x.status),
      optionsOk: await probe(),
    };
    await server.close();
    return out;
  })();

  const result: TortureResult = { udp, tcp, unreachable, messageTimeoutMs: MESSAGE_TIMEOUT_MS, counters: totals };
  for (const s of [...sockets, prober]) s.close();
  process.stdout.write(`TORTURE_RESULT ${JSON.stringify(result)}\n`);
}

function statusesIn(data: string): number[] {
  const out: number[] = [];
  let i = data.indexOf('SIP/2.0 ');
  while (i >= 0) {
    out.push(Number(data.slice(i + 8, i + 11)));
    i = data.indexOf('SIP/2.0 ', i + 1);
  }
  return out;
}

main().catch((err) => {
  process.stdout.write(`TORTURE_ERROR ${String(err?.stack ?? err)}\n`);
  process.exit(1);
});
