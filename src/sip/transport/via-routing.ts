/**
 * The two Via decisions of the transport layer, kept pure so they are tested without sockets:
 *
 * 1. stampReceived (RFC 3261 §18.2.1, RFC 3581 §4): on an incoming request, add
 *    `received=<source ip>` when the top Via's sent-by host differs from the packet's source, and
 *    fill `rport=<source port>` (plus `received`, always) when the client asked with a bare
 *    `;rport`.
 *
 * 2. responseTarget (RFC 3261 §18.2.2 + RFC 3581 §4): where a response goes.
 *
 *      reliable (TCP) ─┬─ request's connection still open ──────────▶ that connection
 *                      ├─ open connection to received:rport ──────────▶ that connection
 *                      └─ else new connection to received|sent-by : sent-by port|5060
 *      unreliable ─────┬─ maddr ──────────────────────────────────────▶ maddr : sent-by port|5060
 *                      ├─ rport=N (filled by us) ─────────────────────▶ received : N
 *                      ├─ received ───────────────────────────────────▶ received : sent-by port|5060
 *                      └─ else ───────────────────────────────────────▶ sent-by host : port|5060
 *
 * A response is sent back over the transport the request came in on (a request that arrived on
 * UDP with `Via: SIP/2.0/TLS ...` is answered on UDP); the default port is that transport's.
 */
import { isIP } from 'node:net';
import { formatVia, getParam, parseVia, setParam } from '../message';
import type { SipMessage, Via } from '../message/types';
import { defaultPort, type HostPort, type SendTarget, type TransportProtocol } from './types';

/** The request this response answers arrived here (when the stack knows it). */
export interface ResponseHint {
  protocol: TransportProtocol;
  remote: HostPort;
  connectionId?: string;
}

export function sameHost(a: string, b: string): boolean {
  if (a === b) return true;
  const la = a.toLowerCase();
  const lb = b.toLowerCase();
  if (la === lb) return true;
  // ::ffff:1.2.3.4 vs 1.2.3.4
  const strip = (s: string) => (s.startsWith('::ffff:') && isIP(s.slice(7)) === 4 ? s.slice(7) : s);
  return strip(la) === strip(lb);
}

/**
 * Stamp received/rport into the first value of the first Via line. Returns false when there is no
 * parseable top Via (the request is left untouched; validation answers it later).
 */
export function stampReceived(msg: SipMessage, remote: HostPort): boolean {
  const lines = msg.headers.getAll('via');
  if (lines.length === 0) return false;
  const vias = parseVia(lines[0]!);
  if (!vias || vias.length === 0) return false;
  const top = vias[0]!;
  const rport = getParam(top.params, 'rport');
  const wantsRport = rport === null; // present without value (RFC 3581 §3)
  const differs = !sameHost(top.host, remote.address);
  if (!differs && !wantsRport) return true;
  // RFC 3581 §4: with rport, received MUST be added even when equal to sent-by.
  setParam(top.params, 'received', remote.address);
  if (wantsRport) setParam(top.params, 'rport', String(remote.port));
  msg.headers.deleteFirst('via');
  msg.headers.prepend('Via', vias.map(formatVia).join(', '));
  return true;
}

export function topViaOf(msg: SipMessage): Via | undefined {
  const line = msg.headers.get('via');
  if (line === undefined) return undefined;
  const vias = parseVia(line);
  return vias?.[0];
}

/** Lookup an open stream connection (provided by the transport layer). */
export type ConnectionFinder = (protocol: TransportProtocol, address: string, port: number) => string | undefined;

export function responseTarget(
  via: Via | undefined,
  hint: ResponseHint | undefined,
  isOpen: (protocol: TransportProtocol, connectionId: string) => boolean,
  findConnection: ConnectionFinder,
): SendTarget | undefined {
  if (!via) {
    // Nothing to route on (e.g. a 400 for a request whose Via did not parse): answer the source.
    return hint ? { protocol: hint.protocol, address: hint.remote.address, port: hint.remote.port, connectionId: hint.connectionId } : undefined;
  }
  const protocol: TransportProtocol = hint?.protocol ?? (via.transport === 'TCP' ? 'TCP' : 'UDP');
  const received = nonEmpty(getParam(via.params, 'received'));
  const rportRaw = nonEmpty(getParam(via.params, 'rport'));
  const rport = rportRaw !== undefined ? toPort(rportRaw) : undefined;
  const port = via.port ?? defaultPort(protocol);
  if (protocol === 'TCP') {
    if (hint?.connectionId && isOpen('TCP', hint.connectionId)) {
      return { protocol, address: hint.remote.address, port: hint.remote.port, connectionId: hint.connectionId };
    }
    const srcAddr = received ?? hint?.remote.address;
    const srcPort = rport ?? hint?.remote.port;
    if (srcAddr !== undefined && srcPort !== undefined) {
      const id = findConnection('TCP', stripBrackets(srcAddr), srcPort);
      if (id) return { protocol, address: stripBrackets(srcAddr), port: srcPort, connectionId: id };
    }
    return { protocol, address: stripBrackets(received ?? via.host), port };
  }
  const maddr = nonEmpty(getParam(via.params, 'maddr'));
  if (maddr !== undefined) return { protocol, address: stripBrackets(maddr), port };
  if (rport !== undefined) {
    const addr = received ?? hint?.remote.address ?? via.host;
    return { protocol, address: stripBrackets(addr), port: rport };
  }
  if (received !== undefined) return { protocol, address: stripBrackets(received), port };
  return { protocol, address: via.host, port };
}

function nonEmpty(v: string | null | undefined): string | undefined {
  return v === null || v === undefined || v === '' ? undefined : v;
}

function toPort(s: string): number | undefined {
  if (s.length === 0 || s.length > 5) return undefined;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return undefined;
    n = n * 10 + d;
  }
  return n > 0 && n <= 65535 ? n : undefined;
}

/** RFC 5118 §4.5: received=[v6] is tolerated; sockets want the bare address. */
function stripBrackets(a: string): string {
  return a.length > 2 && a.startsWith('[') && a.endsWith(']') ? a.slice(1, -1) : a;
}
