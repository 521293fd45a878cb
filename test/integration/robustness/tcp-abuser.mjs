// TCP abuser for tcp-abuse-runner.ts, run as its own process (plain Node) so its sockets are not
// counted in the server's /proc/self/fd. From SOURCE_IP it opens ATTEMPTS connections to
// TARGET_IP:TARGET_PORT, cycling through three behaviours (security.md G17):
//   idle      connect and send nothing
//   slowloris a request line, then one header byte every DRIP_MS, never ending the header section
//   slowbody  a complete header section with Content-Length: 10000, then one body byte every DRIP_MS
// Plus, when PIPELINE_N > 0, one connection from PIPELINE_SOURCE that writes PIPELINE_N OPTIONS in
// one go and never reads a response (the server must stop reading instead of queueing answers).
// Every socket is destroyed at DEADLINE_MS at the latest. Prints one line:
//   ABUSE_RESULT {"attempts","connected","errors","closedByServer":{kind:[ms...]},"openAtDeadline":{kind:n},
//                 "pipeline":{"sent","closedByServerMs"}}
// where ms is the time from connect to the server's close (refused connections close at once).
import { createConnection } from 'node:net';

const env = process.env;
const target = env.TARGET_IP ?? '127.0.0.1';
const port = Number(env.TARGET_PORT ?? 5060);
const source = env.SOURCE_IP ?? '127.0.0.66';
const attempts = Number(env.ATTEMPTS ?? 1000);
const dripMs = Number(env.DRIP_MS ?? 200);
const deadlineMs = Number(env.DEADLINE_MS ?? 5000);
const kinds = ['idle', 'slowloris', 'slowbody', 'pinger', 'quiet'];
const pipelineN = Number(env.PIPELINE_N ?? 0);
const pipelineSource = env.PIPELINE_SOURCE ?? '127.0.0.67';

const started = Date.now();
const result = { attempts, connected: 0, errors: 0, closedByServer: Object.fromEntries(kinds.map((k) => [k, []])), openAtDeadline: Object.fromEntries(kinds.map((k) => [k, 0])), quietAnsweredClosedMs: [] };
const open = new Set();
let settled = 0;
const expected = attempts + (pipelineN > 0 ? 1 : 0);
result.pipeline = { sent: 0, closedByServerMs: null };

function one(i) {
  const kind = kinds[i % kinds.length];
  const sock = createConnection({ host: target, port, localAddress: source });
  const conn = { sock, kind, connectedAt: 0, drip: undefined, done: false, answered: false };
  open.add(conn);
  const finish = (byServer) => {
    if (conn.done) return;
    conn.done = true;
    clearInterval(conn.drip);
    open.delete(conn);
    if (byServer && conn.connectedAt) {
      result.closedByServer[kind].push(Date.now() - conn.connectedAt);
      // A quiet connection the server accepted got its OPTIONS answered; a refused one got nothing.
      if (kind === 'quiet' && conn.answered) result.quietAnsweredClosedMs.push(Date.now() - conn.connectedAt);
    }
    sock.destroy();
    settled++;
    if (settled === expected) report();
  };
  sock.on('connect', () => {
    result.connected++;
    conn.connectedAt = Date.now();
    if (kind === 'slowloris') {
      sock.write(`OPTIONS sip:slow@${target} SIP/2.0\r\nVia: SIP/2.0/TCP ${source}:${sock.localPort};branch=z9hG4bKslow${i}\r\nX-Slow: `);
      conn.drip = setInterval(() => sock.write('a'), dripMs);
    } else if (kind === 'slowbody') {
      sock.write(
        `MESSAGE sip:slow@${target} SIP/2.0\r\nVia: SIP/2.0/TCP ${source}:${sock.localPort};branch=z9hG4bKbody${i}\r\n` +
          `From: <sip:a@${source}>;tag=1\r\nTo: <sip:slow@${target}>\r\nCall-ID: body${i}\r\nCSeq: 1 MESSAGE\r\nMax-Forwards: 70\r\n` +
          `Content-Type: text/plain\r\nContent-Length: 10000\r\n\r\n`,
      );
      conn.drip = setInterval(() => sock.write('b'), dripMs);
    } else if (kind === 'pinger') {
      conn.drip = setInterval(() => sock.write('\r\n\r\n'), dripMs);
    } else if (kind === 'quiet') {
      sock.write(
        `OPTIONS sip:quiet@${target} SIP/2.0\r\nVia: SIP/2.0/TCP ${source}:${sock.localPort};branch=z9hG4bKquiet${i}\r\n` +
          `From: <sip:a@${source}>;tag=1\r\nTo: <sip:quiet@${target}>\r\nCall-ID: quiet${i}\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`,
      );
    }
  });
  // Read (and ignore) what the server sends: 'end' is only emitted once the data is consumed.
  sock.on('data', () => {
    conn.answered = true;
  });
  sock.on('error', () => {
    if (!conn.connectedAt) result.errors++;
    finish(Boolean(conn.connectedAt));
  });
  sock.on('end', () => finish(true));
  sock.on('close', () => finish(true));
  return conn;
}

function report() {
  clearTimeout(deadline);
  process.stdout.write(`ABUSE_RESULT ${JSON.stringify({ ...result, elapsedMs: Date.now() - started })}\n`);
  process.exit(0);
}

const deadline = setTimeout(() => {
  for (const c of [...open]) {
    result.openAtDeadline[c.kind] = (result.openAtDeadline[c.kind] ?? 0) + 1;
    c.done = true;
    clearInterval(c.drip);
    c.sock.destroy();
  }
  report();
}, deadlineMs);

function pipeliner() {
  const lines = [];
  for (let i = 0; i < pipelineN; i++) {
    lines.push(
      `OPTIONS sip:pipe@${target} SIP/2.0\r\nVia: SIP/2.0/TCP ${pipelineSource}:5060;branch=z9hG4bKpipe${i}\r\n` +
        `From: <sip:p@${pipelineSource}>;tag=1\r\nTo: <sip:pipe@${target}>\r\nCall-ID: pipe${i}\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`,
    );
  }
  const payload = Buffer.from(lines.join(''));
  const sock = createConnection({ host: target, port, localAddress: pipelineSource });
  const conn = { sock, kind: 'pipeline', connectedAt: 0, drip: undefined, done: false };
  open.add(conn);
  sock.pause(); // never read: the responses pile up on the server's side
  sock.on('connect', () => {
    conn.connectedAt = Date.now();
    result.pipeline.sent = pipelineN;
    sock.write(payload);
  });
  const finish = () => {
    if (conn.done) return;
    conn.done = true;
    open.delete(conn);
    if (conn.connectedAt) result.pipeline.closedByServerMs = Date.now() - conn.connectedAt;
    sock.destroy();
    settled++;
    if (settled === expected) report();
  };
  sock.on('error', finish);
  sock.on('close', finish);
}

if (pipelineN > 0) pipeliner();
for (let i = 0; i < attempts; i++) one(i);
