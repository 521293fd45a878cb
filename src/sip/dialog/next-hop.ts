/**
 * Where a request goes at the transport level (RFC 3261 §8.1.2, §18.1.1; RFC 3263 §4 without DNS):
 *
 *   uri = first Route (loose or strict), else the Request-URI / remote target
 *   host     = maddr param if present (§19.1.1), else the URI host
 *   protocol = transport param (udp|tcp), else UDP (sips/TLS is not supported here)
 *   port     = URI port, else 5060 (§19.1.2)
 *
 * Only IP literals resolve: this layer has no resolver (transport-layer.ts counts hostnames as
 * unroutable). A hostname yields undefined and the caller fails the request.
 */
import { isIP } from 'node:net';
import { getParam } from '../message';
import type { SipUri } from '../message/types';
import type { SendTarget, TransportProtocol } from '../transport/types';

export function uriTransport(uri: SipUri): TransportProtocol | undefined {
  const t = getParam(uri.params, 'transport');
  if (t === undefined || t === null) return 'UDP';
  const v = t.toLowerCase();
  if (v === 'udp') return 'UDP';
  if (v === 'tcp') return 'TCP';
  return undefined;
}

/**
 * The send target for a URI, or undefined when it cannot be reached without DNS or over a
 * transport we lack. `override` (e.g. a NAT route target learnt at REGISTER, FS fs_path) wins
 * for address and port.
 */
export function targetForUri(uri: SipUri, override?: { address: string; port: number; protocol?: TransportProtocol }): SendTarget | undefined {
  if (uri.scheme !== 'sip') return undefined;
  const protocol = override?.protocol ?? uriTransport(uri);
  if (!protocol) return undefined;
  if (override) return { protocol, address: override.address, port: override.port };
  const maddr = getParam(uri.params, 'maddr');
  const host = typeof maddr === 'string' && maddr.length > 0 ? maddr : uri.host;
  if (isIP(host) === 0) return undefined;
  return { protocol, address: host, port: uri.port ?? 5060 };
}
