/**
 * REGISTER path CPU without the kernel: the real server (startServer, copy of conf/, internal
 * profile, SQLite location store) fed datagrams straight into its UDP transport's receive path,
 * responses taken from its send path (no socket syscalls). Each registration is the sipp exchange
 * REGISTER -> 401 -> REGISTER with digest credentials (answered by the project's digest client)
 * -> 200; WINDOW registrations are in flight at a time, as under load.
 *
 * Baseline, same run: the same driver work (build both requests, parse the challenge, answer it)
 * without the server. Prints server µs per registration and its ratio to the baseline.
 *
 *   npx tsx test/bench/register-inproc.ts [registrations] [window]
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../../src/main';
import { answerChallenge } from '../../src/sip/auth';
import type { SendTarget } from '../../src/sip/transport/types';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const N = Number(process.argv[2] ?? 20000);
const WINDOW = Number(process.argv[3] ?? 50);
const USERS = 5000;

const work = mkdtempSync(join(tmpdir(), 'strowger-reg-inproc-'));
const conf = join(work, 'conf');
cpSync(join(ROOT, 'conf'), conf, { recursive: true });
const internalXml = join(conf, 'sip_profiles', 'internal.xml');
writeFileSync(
  internalXml,
  readFileSync(internalXml, 'utf8')
    .replace('<param name="inbound-reg-force-matching-username" value="true"/>', '<param name="inbound-reg-force-matching-username" value="false"/>')
    .replace('<param name="registration-db" value="sofia_reg_internal.db"/>', `<param name="registration-db" value="${process.env.REG_DB ?? 'sofia_reg_internal.db'}"/>`),
);

const SERVER = '127.0.0.1:25140';
function register(i: number, cseq: number, auth: string | undefined): Buffer {
  const user = 2000 + (i % USERS);
  const port = 30000 + (i % 100);
  return Buffer.from(
    `REGISTER sip:${SERVER} SIP/2.0\r\n` +
      `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bK-${i}-${cseq};rport\r\n` +
      'Max-Forwards: 70\r\n' +
      `From: <sip:${user}@127.0.0.1>;tag=${i}SIPpTag00\r\n` +
      `To: <sip:${user}@127.0.0.1>\r\n` +
      `Call-ID: ${i}-bench@127.0.0.1\r\n` +
      `CSeq: ${cseq} REGISTER\r\n` +
      `Contact: <sip:${user}@127.0.0.1:${port}>\r\n` +
      'Expires: 3600\r\n' +
      (auth ? `Authorization: ${auth}\r\n` : '') +
      'Content-Length: 0\r\n\r\n',
    'latin1',
  );
}

function challengeOf(text: string): string {
  const at = text.indexOf('WWW-Authenticate: ');
  return text.slice(at + 18, text.indexOf('\r\n', at));
}

function answer(text: string): string {
  return answerChallenge({ challenge: challengeOf(text), method: 'REGISTER', uri: `sip:${SERVER}`, username: '1000', password: '1234', cnonce: 'abcdef0123456789' }).header;
}

const FAKE_401 = `SIP/2.0 401 Unauthorized\r\nWWW-Authenticate: Digest realm="127.0.0.1", nonce="AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", algorithm=MD5, qop="auth"\r\n\r\n`;

/** Driver-only work per registration (the baseline). */
function baseline(n: number): number {
  const t0 = process.cpuUsage();
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    bytes += register(i, 1, undefined).length;
    bytes += register(i, 2, answer(FAKE_401)).length;
  }
  const c = process.cpuUsage(t0);
  if (bytes === 0) throw new Error('unreachable');
  return (c.user + c.system) / n;
}

async function main(): Promise<void> {
  const server = await startServer({
    confDir: conf,
    overrides: { local_ip_v4: '127.0.0.1', internal_sip_port: '25140', external_sip_port: '25141', data_dir: join(work, 'data') },
    logLevel: 'error',
  });
  const profile = server.profiles.find((p) => p.name === 'internal')!;
  const udp = profile.stack.transport.list().find((t) => t.protocol === 'UDP')!;
  // Take the transport's receive hook and its send path (no sockets).
  const receive = (udp as unknown as { onDatagram(d: Buffer, r: { address: string; port: number }): void }).onDatagram.bind(udp);
  const waiting = new Map<string, (text: string) => void>();
  let sent = 0;
  (udp as unknown as { send(d: Buffer, t: SendTarget): void }).send = (data: Buffer) => {
    sent++;
    const text = data.toString('latin1');
    const at = text.indexOf('branch=');
    const branch = text.slice(at + 7, text.indexOf(';', at));
    const w = waiting.get(branch);
    if (w) {
      waiting.delete(branch);
      w(text);
    }
  };
  const exchange = (i: number, cseq: number, auth: string | undefined): Promise<string> =>
    new Promise((res) => {
      waiting.set(`z9hG4bK-${i}-${cseq}`, res);
      receive(register(i, cseq, auth), { address: '127.0.0.1', port: 30000 + (i % 100) });
    });
  const one = async (i: number): Promise<void> => {
    const r1 = await exchange(i, 1, undefined);
    if (!r1.startsWith('SIP/2.0 401')) throw new Error(`expected 401, got ${r1.slice(0, 40)}`);
    const r2 = await exchange(i, 2, answer(r1));
    if (!r2.startsWith('SIP/2.0 200')) throw new Error(`expected 200, got ${r2.slice(0, 40)}`);
  };
  const run = async (from: number, n: number): Promise<{ us: number; ms: number }> => {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let next = from;
    const end = from + n;
    const lane = async (): Promise<void> => {
      while (next < end) {
        const i = next++;
        await one(i);
        // Let the event loop turn (timers, immediates), as datagrams would arrive.
        if (i % WINDOW === 0) await new Promise((r) => setImmediate(r));
      }
    };
    await Promise.all(Array.from({ length: WINDOW }, lane));
    const c = process.cpuUsage(cpu0);
    return { us: (c.user + c.system) / n, ms: performance.now() - t0 };
  };
  try {
    await run(1_000_000, Math.min(5000, N)); // warm-up: JIT, first inserts
    const base = baseline(Math.min(N, 10000));
    const r = await run(0, N);
    const server_ = r.us - base;
    const reg = server.registrars.get('internal')!;
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    const heapLive = process.memoryUsage().heapUsed;
    console.log(`register-inproc: ${N} registrations (REGISTER, 401, REGISTER+digest, 200), ${WINDOW} in flight, ${sent} responses sent`);
    console.log(`  total CPU ${r.us.toFixed(1)} µs per registration (wall ${(r.ms / 1000).toFixed(2)} s); driver baseline ${base.toFixed(1)} µs`);
    console.log(`  server CPU ~${server_.toFixed(1)} µs per registration = ${(server_ / 2).toFixed(1)} µs per REGISTER request -> ceiling ~${(1e6 / server_).toFixed(0)} registrations/s, ${(2e6 / server_).toFixed(0)} REGISTERs/s (no kernel cost)`);
    console.log(`  ratio server / driver baseline: ${(server_ / base).toFixed(2)}; heap ${gc ? 'after gc' : 'used'} ${(heapLive / 1e6).toFixed(0)} MB with ${profile.stack.transactions.liveServer} live server transactions`);
    console.log(`  counters ${JSON.stringify({ updates: reg.counters.updates, challenges: reg.counters.challenges, forbidden: reg.counters.forbidden, errors: reg.counters.errors })}`);
  } finally {
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
