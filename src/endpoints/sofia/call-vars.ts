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
  return u.port ? `${u.host}:${u.port}` : u.host;
}

function idHeader(req: SipRequest): { na: NameAddr; type: string } | undefined {
  for (const [name, type] of [
    ['remote-party-id', 'rpid'],
    ['p-asserted-identity', 'pid'],
    ['p-preferred-identity', 'pid'],
  ] as const) {
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

/** The `sip_*` variables of an inbound INVITE (§1.5 step 7). */
export function inboundSipVariables(req: SipRequest, env: InboundEnvelope, profileName: string): Record<string, string> {
  const v: Record<string, string> = {};
  const from = getFrom(req);
  const to = getTo(req);
  const contact = getContacts(req)[0];
  const via = getTopVia(req);
  const set = (k: string, val: string | undefined): void => {
    if (val !== undefined && val !== '') v[k] = val.length > MAX_VALUE ? val.slice(0, MAX_VALUE) : val;
  };
  set('sofia_profile_name', profileName);
  set('sip_call_id', req.headers.get('call-id'));
  if (from) {
    set('sip_from_user', from.uri.user);
    set('sip_from_host', from.uri.host);
    set('sip_from_port', from.uri.port ? String(from.uri.port) : undefined);
    set('sip_from_uri', from.uri.user ? `${from.uri.user}@${hostPort(from.uri)}` : hostPort(from.uri));
    set('sip_from_display', from.displayName);
    const tag = from.params.find(([k]) => k.toLowerCase() === 'tag')?.[1];
    set('sip_from_tag', tag ?? undefined);
  }
  if (to) {
    set('sip_to_user', to.uri.user);
    set('sip_to_host', to.uri.host);
    set('sip_to_port', to.uri.port ? String(to.uri.port) : undefined);
    set('sip_to_uri', to.uri.user ? `${to.uri.user}@${hostPort(to.uri)}` : hostPort(to.uri));
  }
  set('sip_req_user', req.uri.user);
  set('sip_req_host', req.uri.host);
  set('sip_req_port', req.uri.port ? String(req.uri.port) : undefined);
  set('sip_req_uri', req.uri.user ? `${req.uri.user}@${hostPort(req.uri)}` : hostPort(req.uri));
  if (contact && !contact.wildcard) {
    set('sip_contact_user', contact.uri.user);
    set('sip_contact_host', contact.uri.host);
    set('sip_contact_port', contact.uri.port ? String(contact.uri.port) : undefined);
    set('sip_contact_uri', formatUri(contact.uri).replace(/^sips?:/, ''));
  }
  if (via) {
    set('sip_via_host', via.host);
    set('sip_via_port', via.port ? String(via.port) : undefined);
    set('sip_via_protocol', via.transport.toLowerCase());
  }
  set('sip_network_ip', env.remote.address);
  set('sip_network_port', String(env.remote.port));
  set('sip_received_ip', env.remote.address);
  set('sip_received_port', String(env.remote.port));
  set('sip_user_agent', req.headers.get('user-agent'));
  set('sip_max_forwards', req.headers.get('max-forwards'));
  const id = idHeader(req);
  if (id) set('sip_cid_type', id.type);
  let n = 0;
  for (const [name, value] of req.headers.entries()) {
    if (n >= MAX_X_HEADERS) break;
    if (name.length > 2 && (name.charCodeAt(0) | 0x20) === 0x78 && name.charCodeAt(1) === 0x2d) {
      set(`sip_h_${name}`, value);
      n++;
    }
  }
  return v;
}
