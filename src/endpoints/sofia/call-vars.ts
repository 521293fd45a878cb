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

/** A value worth setting: not undefined, not empty. */
function has(val: string | undefined): val is string {
  return val !== undefined && val !== '';
}

/** A value cut to MAX_VALUE. */
function cut(val: string): string {
  return val.length > MAX_VALUE ? val.slice(0, MAX_VALUE) : val;
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

/**
 * The `sip_*` variables of an inbound INVITE (§1.5 step 7).
 *
 * Written as named stores, in a fixed order, on purpose: stores through a computed key
 * (`v[k] = ...`) turn an object into a hash table after a dozen properties, which makes every
 * later store and the channel's for-in over the result slow; named stores keep it a fast object.
 */
export function inboundSipVariables(req: SipRequest, env: InboundEnvelope, profileName: string): Record<string, string> {
  const v: Record<string, string> = {};
  const from = getFrom(req);
  const to = getTo(req);
  const contact = getContacts(req)[0];
  const via = getTopVia(req);
  let x: string | undefined;
  if (has(profileName)) v.sofia_profile_name = cut(profileName);
  if (has((x = req.headers.get('call-id')))) v.sip_call_id = cut(x);
  if (from) {
    const u = from.uri;
    if (has((x = u.user))) v.sip_from_user = cut(x);
    if (has((x = u.host))) v.sip_from_host = cut(x);
    if (has((x = portText(u.port)))) v.sip_from_port = cut(x);
    if (has((x = userHostPort(u)))) v.sip_from_uri = cut(x);
    if (has((x = from.displayName))) v.sip_from_display = cut(x);
    if (has((x = tagParam(from.params)))) v.sip_from_tag = cut(x);
  }
  if (to) {
    const u = to.uri;
    if (has((x = u.user))) v.sip_to_user = cut(x);
    if (has((x = u.host))) v.sip_to_host = cut(x);
    if (has((x = portText(u.port)))) v.sip_to_port = cut(x);
    if (has((x = userHostPort(u)))) v.sip_to_uri = cut(x);
  }
  const r = req.uri;
  if (has((x = r.user))) v.sip_req_user = cut(x);
  if (has((x = r.host))) v.sip_req_host = cut(x);
  if (has((x = portText(r.port)))) v.sip_req_port = cut(x);
  if (has((x = userHostPort(r)))) v.sip_req_uri = cut(x);
  if (contact && !contact.wildcard) {
    const u = contact.uri;
    if (has((x = u.user))) v.sip_contact_user = cut(x);
    if (has((x = u.host))) v.sip_contact_host = cut(x);
    if (has((x = portText(u.port)))) v.sip_contact_port = cut(x);
    if (has((x = uriWithoutScheme(formatUri(u))))) v.sip_contact_uri = cut(x);
  }
  if (via) {
    if (has((x = via.host))) v.sip_via_host = cut(x);
    if (has((x = portText(via.port)))) v.sip_via_port = cut(x);
    if (has((x = via.transport.toLowerCase()))) v.sip_via_protocol = cut(x);
  }
  const remote = env.remote;
  const remotePort = String(remote.port);
  if (has((x = remote.address))) v.sip_network_ip = cut(x);
  if (has(remotePort)) v.sip_network_port = cut(remotePort);
  if (has((x = remote.address))) v.sip_received_ip = cut(x);
  if (has(remotePort)) v.sip_received_port = cut(remotePort);
  if (has((x = req.headers.get('user-agent')))) v.sip_user_agent = cut(x);
  if (has((x = req.headers.get('max-forwards')))) v.sip_max_forwards = cut(x);
  const id = idHeader(req);
  if (id && has(id.type)) v.sip_cid_type = cut(id.type);
  let n = 0;
  for (const [name, value] of req.headers.entries()) {
    if (n >= MAX_X_HEADERS) break;
    if (name.length > 2 && (name.charCodeAt(0) | 0x20) === 0x78 && name.charCodeAt(1) === 0x2d) {
      if (has(value)) v['sip_h_' + name] = cut(value);
      n++;
    }
  }
  return v;
}
