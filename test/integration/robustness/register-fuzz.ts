/**
 * Authenticated REGISTER fuzz inputs: the digest is computed AFTER the mutation, so the request
 * passes authentication and its Contact/Expires/To/extra headers reach the registrar's binding
 * logic and the location store (the deepest code an attacker with one account can reach).
 *
 *   fixed:   request line, Via (unique branch, rport), Call-ID, CSeq, Max-Forwards
 *   fuzzed:  From, To, Contact(s), Expires and extra headers — evil contact values, then 0..2
 *            header-level mutators from mutate.ts
 *   signed:  Authorization from answerChallenge() (qop=auth, nc counting up per nonce)
 *
 * Every input is a pure function of (seed, index, nonce, nc).
 */
import { answerChallenge } from '../../../src/sip/auth';
import { MAX_DATAGRAM, MUTATORS, rngFor, type Rng } from './mutate';

const HEADER_MUTATORS = ['duplicateHeader', 'hugeValue', 'ctlChars', 'foldLines', 'quotes', 'emptyValue', 'numbers', 'highBytes', 'deleteLine', 'nuls', 'ctlBeforeColon'];

/**
 * Contact values a registrar must survive (RFC 3261 §10.3, RFC 5626 instance/reg-id). Mostly
 * syntactically valid but odd (so the request gets past the parser to the bindings); `wild` ones
 * are broken on purpose.
 */
function evilContact(r: Rng, user: string, host: string, wild: boolean): string {
  if (wild && r.chance(0.3)) return r.pick(['*', '<*>', '<>', '""', 'sip:', '<sip:a@b', 'sip:a@b>', '<sip:a@[::1>', '<sip:a@h;;;>']);
  const hosts = [host, '127.0.0.10:5062', '[::1]:5060', '[2001:db8::1]', 'a.example.com', '10.0.0.1:5060', '192.0.2.7', '127.0.0.10:65535'];
  const users = [user, 'x;y=z', 'a'.repeat(r.pick([1, 300, 3000])), '%41%42', 'user.name-_!~*\'()'];
  if (wild) hosts.push('192.0.2.1:99999', '10.0.0.1:0', '', 'h;;', '[::1');
  if (wild) users.push('', '%00', '*');
  const uri = `sip:${r.pick(users)}@${r.pick(hosts)}${r.pick(['', '', ';transport=tcp', ';transport=udp', ';transport=sctp', ';transport=ws', ';ob', ';lr', ';maddr=224.0.0.1', '?Route=%3Csip:evil%3E'])}`;
  const params = r.pick([
    '',
    '',
    ';expires=0',
    ';expires=-1',
    ';expires=99999999999999999999',
    ';expires=abc',
    ';q=0.5',
    ';q=2.0',
    ';q=abc',
    `;+sip.instance="<urn:uuid:${'0'.repeat(r.pick([8, 36, 2000]))}>"`,
    ';reg-id=1;+sip.instance="<urn:uuid:00000000-0000-1000-8000-000A95A0E128>"',
    ';reg-id=abc',
    ';methods="INVITE,BYE"',
    ';+sip.ice;video;mobility="fixed"',
    `;x=${'y'.repeat(r.pick([10, 1000, 20_000]))}`,
  ]);
  switch (r.int(3)) {
    case 0:
      return `<${uri}>${params}`;
    case 1:
      return `"${r.pick(['Alice', '', 'A\\"B', '\u00e9', 'x'.repeat(1000)])}" <${uri}>${params}`;
    default:
      // Without <>, ';' and '?' parts belong to the header, not the URI (§20.10).
      return `${uri}${params}`;
  }
}

export interface AuthRegisterInput {
  user: string;
  callId: string;
  bytes: Buffer;
}

/** Input `index` of the authenticated REGISTER stream: users 1000..1019, password `password`. */
export function authRegisterAt(
  seed: number,
  index: number,
  o: { server: string; client: string; challenge: string[]; nc: number; password: string },
): AuthRegisterInput {
  const r = rngFor(seed ^ 0x6a6a, index);
  const user = String(1000 + r.int(20));
  const domain = o.server.split(':')[0]!;
  const callId = `ar${index}-${seed}@fuzz`;
  const ruri = `sip:${domain}`;
  const contacts: string[] = [];
  const wild = r.chance(0.25);
  for (let k = r.pick([1, 1, 1, 2, 3, 10, 60]); k > 0; k--) contacts.push(evilContact(r, user, o.client, wild));
  const lines = [
    `From: <sip:${user}@${domain}>;tag=${r.pick(['t1', 't2', 'x'.repeat(300), ...(wild ? [''] : [])])}`,
    // Mostly the authenticated user's AOR (a mismatch is a plain 403 and counts toward the ban).
    r.chance(0.9) ? `To: <sip:${user}@${domain}>` : `To: ${r.pick([`<sip:${domain}>`, `<sip:${user}@other.example>`, `<tel:${user}>`, `sip:${user}@${domain};tag=x`])}`,
    ...(r.chance(0.5) ? [`Contact: ${contacts.join(', ')}`] : contacts.map((c) => `${r.chance(0.2) ? 'm' : 'Contact'}: ${c}`)),
  ];
  if (r.chance(0.7)) lines.push(`Expires: ${r.pick(['0', '60', '3600', '-1', '4294967296', 'abc', '', '99999999999999999999', '1'])}`);
  for (const extra of ['Path: <sip:p.example;lr>', 'Supported: path, outbound, gruu', 'User-Agent: fuzz', 'Allow: INVITE, ACK', 'Require: outbound', 'X-Foo: bar', 'Event: registration']) {
    if (r.chance(0.15)) lines.push(extra);
  }
  // The same header-level mutators as the wire fuzz, on the fuzzed block only (line 0 is a dummy
  // start line: the mutators never touch it).
  let block: Buffer = Buffer.from(['X-Block: start', ...lines].join('\r\n'), 'latin1');
  for (let k = r.pick([0, 0, 0, 1, 2]); k > 0; k--) block = MUTATORS[r.pick(HEADER_MUTATORS)]!(block, r);
  const fuzzed = block.toString('latin1').slice('X-Block: start\r\n'.length);
  const auth = answerChallenge({ challenge: o.challenge, method: 'REGISTER', uri: ruri, username: user, password: o.password, nc: o.nc, cnonce: `c${index}` });
  const text =
    `REGISTER ${ruri} SIP/2.0\r\nVia: SIP/2.0/UDP ${o.client};branch=z9hG4bKar${index}x${seed};rport\r\n` +
    `Call-ID: ${callId}\r\nCSeq: ${1 + r.int(1000)} REGISTER\r\nMax-Forwards: 70\r\n${fuzzed}\r\n` +
    `Authorization: ${auth.header}\r\nContent-Length: 0\r\n\r\n`;
  const bytes = Buffer.from(text, 'latin1');
  return { user, callId, bytes: bytes.length > MAX_DATAGRAM ? bytes.subarray(0, MAX_DATAGRAM) : bytes };
}
