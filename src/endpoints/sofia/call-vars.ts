/**
 * What an inbound INVITE tells the core (freeswitch-behaviour.md §1.5 steps 5 and 7): the caller
 * profile (destination, caller id, network address) and the `sip_*` channel variables.
 *
 *   destination_number = Request-URI user, else To user, else From user, else "service"
 *   caller_id_number   = From user, overridden (no trust check, as FreeSWITCH) by the user of
 *                        Remote-Party-ID, then P-Asserted-Identity, then P-Preferred-Identity
 *   caller_id_name     = display name of that header, else From display, else the number
 *   X- headers         -> sip_h_X-... (bounded in count and length)
 */
import {
  formatUri,
  getContacts,
  getFrom,
  getTo,
  getTopVia,
  parseNameAddr,
  type InboundEnvelope,
  type NameAddr,
  type SipRequest,
} from '../../sip';
import type { CallerProfile } from '../../core';

const MAX_X_HEADERS = 32;
const MAX_VALUE = 512;

function hostPort(u: { host: string; port?: number }): string {
  return u.port ? u.host + ':' + u.port : u.host;
}

/** user@host[:port], or host[:port] without a user. */
function userHostPort(u: { user?: string; host: string; port?: number }): string {
  return u.user ? u.user + '@' + hostPort(u) : hostPort(u);
}

const ID_HEADERS: ReadonlyArray<readonly [string, string]> = [
  ['remote-party-id', 'rpid'],
  ['p-asserted-identity', 'pid'],
  ['p-preferred-identity', 'pid'],
];

function idHeader(req: SipRequest): { na: NameAddr; type: string } | undefined {
  for (let i = 0; i < ID_HEADERS.length; i++) {
    const [name, type] = ID_HEADERS[i]!;
    const v = req.headers.get(name);
    if (v === undefined) continue;
    const na = parseNameAddr(v);
    if (na?.uri.user) return { na, type };
  }
  return undefined;
}

/** Caller profile fields for the A leg (context and dialplan are decided by the caller). */
export function inboundCallerProfile(req: SipRequest, env: InboundEnvelope): Partial<CallerProfile> {
  const from = getFrom(req);
  const to = getTo(req);
  const fromUser = from?.uri.user ?? '';
  let number = fromUser;
  let name = from?.displayName ?? '';
  const id = idHeader(req);
  if (id) {
    number = id.na.uri.user ?? number;
    name = id.na.displayName ?? name;
  }
  if (!name) name = number;
  const destination = req.uri.user || to?.uri.user || fromUser || 'service';
  return {
    username: fromUser,
    caller_id_name: name,
    caller_id_number: number,
    ani: number,
    network_addr: env.remote.address,
    destination_number: destination,
    source: 'mod_sofia',
  };
}

/** v[k] = val (cut to MAX_VALUE), unless val is undefined or empty. A plain function, not a closure per call. */
function put(v: Record<string, string>, k: string, val: string | undefined): void {
  if (val !== undefined && val !== '') v[k] = val.length > MAX_VALUE ? val.slice(0, MAX_VALUE) : val;
}

function portText(port: number | undefined): string | undefined {
  return port ? String(port) : undefined;
}

/** The value of the first `tag` parameter (name case-insensitive). */
function tagParam(params: ReadonlyArray<readonly [string, string | null | undefined]>): string | undefined {
  for (let i = 0; i < params.length; i++) {
    const p = params[i]!;
    const k = p[0];
    if (k.length === 3 && k.toLowerCase() === 'tag') return p[1] ?? undefined;
  }
  return undefined;
}

/** formatUri without its sip:/sips: scheme. */
function uriWithoutScheme(s: string): string {
  if (s.startsWith('sip:')) return s.slice(4);
  if (s.startsWith('sips:')) return s.slice(5);
  return s;
}

/** The `sip_*` variables of an inbound INVITE (§1.5 step 7). */
export function inboundSipVariables(req: SipRequest, env: InboundEnvelope, profileName: string): Record<string, string> {
  const v: Record<string, string> = {};
  const from = getFrom(req);
  const to = getTo(req);
  const contact = getContacts(req)[0];
  const via = getTopVia(req);
  put(v, 'sofia_profile_name', profileName);
  put(v, 'sip_call_id', req.headers.get('call-id'));
  if (from) {
    const u = from.uri;
    put(v, 'sip_from_user', u.user);
    put(v, 'sip_from_host', u.host);
    put(v, 'sip_from_port', portText(u.port));
    put(v, 'sip_from_uri', userHostPort(u));
    put(v, 'sip_from_display', from.displayName);
    put(v, 'sip_from_tag', tagParam(from.params));
  }
  if (to) {
    const u = to.uri;
    put(v, 'sip_to_user', u.user);
    put(v, 'sip_to_host', u.host);
    put(v, 'sip_to_port', portText(u.port));
    put(v, 'sip_to_uri', userHostPort(u));
  }
  const r = req.uri;
  put(v, 'sip_req_user', r.user);
  put(v, 'sip_req_host', r.host);
  put(v, 'sip_req_port', portText(r.port));
  put(v, 'sip_req_uri', userHostPort(r));
  if (contact && !contact.wildcard) {
    const u = contact.uri;
    put(v, 'sip_contact_user', u.user);
    put(v, 'sip_contact_host', u.host);
    put(v, 'sip_contact_port', portText(u.port));
    put(v, 'sip_contact_uri', uriWithoutScheme(formatUri(u)));
  }
  if (via) {
    put(v, 'sip_via_host', via.host);
    put(v, 'sip_via_port', portText(via.port));
    put(v, 'sip_via_protocol', via.transport.toLowerCase());
  }
  const remote = env.remote;
  const remotePort = String(remote.port);
  put(v, 'sip_network_ip', remote.address);
  put(v, 'sip_network_port', remotePort);
  put(v, 'sip_received_ip', remote.address);
  put(v, 'sip_received_port', remotePort);
  put(v, 'sip_user_agent', req.headers.get('user-agent'));
  put(v, 'sip_max_forwards', req.headers.get('max-forwards'));
  const id = idHeader(req);
  if (id) put(v, 'sip_cid_type', id.type);
  let n = 0;
  for (const [name, value] of req.headers.entries()) {
    if (n >= MAX_X_HEADERS) break;
    if (name.length > 2 && (name.charCodeAt(0) | 0x20) === 0x78 && name.charCodeAt(1) === 0x2d) {
      put(v, 'sip_h_' + name, value);
      n++;
    }
  }
  return v;
}
