// UDP flood sender for flood-runner.ts, run as a separate process (plain Node, no tsx) so its
// sockets and memory are not the server's. Sends COUNT unique-Call-ID requests (OPTIONS and
// REGISTER for unique users, alternating) as fast as the socket takes them from SOURCE_IP to
// TARGET_IP:TARGET_PORT. The top Via names VIA_PORT without rport, where nothing listens: the
// server's answers are dropped by the kernel instead of filling this process's receive buffer.
// MODE=window instead keeps WINDOW requests in flight (;rport, answers come back here).
// Prints one line: FLOOD_SENT {"sent":n,"ms":t,...}.
import { createSocket } from 'node:dgram';

const env = process.env;
const target = env.TARGET_IP ?? '127.0.0.1';
const port = Number(env.TARGET_PORT ?? 5060);
const count = Number(env.COUNT ?? 20000);
const source = env.SOURCE_IP ?? '127.0.0.9';
const viaPort = Number(env.VIA_PORT ?? 5999);
const maxOutstanding = 64;

function request(i) {
  const method = i % 2 === 0 ? 'OPTIONS' : 'REGISTER';
  const user = `fl${i}`;
  const to = method === 'REGISTER' ? `<sip:${user}@${target}>` : `<sip:${target}>`;
  return Buffer.from(
    `${method} sip:${target} SIP/2.0\r\n` +
      `Via: SIP/2.0/UDP ${source}:${viaPort};branch=z9hG4bKfl${i}x${process.pid}${env.MODE === 'window' ? ';rport' : ''}\r\n` +
      `Max-Forwards: 70\r\nFrom: <sip:${user}@${target}>;tag=t${i}\r\nTo: ${to}\r\n` +
      `Call-ID: flood-${i}-${process.pid}@${source}\r\nCSeq: 1 ${method}\r\n` +
      `Contact: <sip:${user}@${source}:${viaPort}>\r\nExpires: 3600\r\nUser-Agent: flood/1\r\nContent-Length: 0\r\n\r\n`,
    'latin1',
  );
}

const sock = createSocket('udp4');
sock.on('error', () => {});

// blast: as fast as the local socket takes them (the server's kernel queue overflows and drops).
function blast(started) {
  let next = 0;
  let outstanding = 0;
  let acked = 0;
  const pump = () => {
    while (outstanding < maxOutstanding && next < count) {
      outstanding++;
      sock.send(request(next++), port, target, () => {
        outstanding--;
        acked++;
        if (acked === count) finish({ sent: acked, ms: Date.now() - started });
        else pump();
      });
    }
  };
  pump();
}

// window: at most WINDOW requests without a final response, i.e. as fast as the server answers
// (every request is read and processed). A stall (a datagram lost) reopens the window.
function windowed(started) {
  const win = Number(env.WINDOW ?? 48);
  let next = 0;
  let answered = 0;
  // Requests given up on after a stall (their request or answer was lost).
  let lost = 0;
  let stalls = 0;
  let stallTimer;
  const done = () => next === count && answered + lost >= count;
  const pump = () => {
    while (next - answered - lost < win && next < count) sock.send(request(next++), port, target);
    clearTimeout(stallTimer);
    if (done()) {
      finish({ sent: next, answered, lost, stalls, ms: Date.now() - started });
      return;
    }
    stallTimer = setTimeout(() => {
      stalls++;
      lost = next - answered;
      pump();
    }, 300);
  };
  sock.on('message', (m) => {
    if (m[8] < 0x32) return; // provisional (SIP/2.0 1xx)
    answered++;
    pump();
  });
  pump();
}

function finish(result) {
  process.stdout.write(`FLOOD_SENT ${JSON.stringify(result)}\n`);
  sock.close();
}

sock.bind(0, source, () => (env.MODE === 'window' ? windowed : blast)(Date.now()));
setTimeout(() => process.exit(2), 60_000).unref();
