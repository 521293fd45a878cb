/**
 * The registrar's CUSTOM events (freeswitch-behaviour.md §1.4 steps 5, 9-11):
 *   sofia::pre_register      a REGISTER is challenged
 *   sofia::register          a binding is added or refreshed
 *   sofia::unregister        a binding is removed by the phone (Expires 0, Contact *)
 *   sofia::expire            the sweep purged an expired binding
 *   sofia::register_failure  wrong credentials, forbidden user, banned source, disable-register
 *
 * The registrar talks to an EventSink; coreEventSink() fires them on the core's event bus
 * (src/core EventBus, CUSTOM with Event-Subclass). Headers are only built when someone listens.
 */
import type { Core } from '../../core';
import type { Binding } from './location';
import type { DirectoryUser } from '../../directory';

export type RegistrarEventSubclass = 'sofia::pre_register' | 'sofia::register' | 'sofia::unregister' | 'sofia::expire' | 'sofia::register_failure';

export interface RegistrarEventSink {
  /** False when nobody listens: the registrar then builds no headers. */
  wants(): boolean;
  fire(subclass: RegistrarEventSubclass, headers: Array<[string, string]>): void;
}

/** Fires on the core's bus as `CUSTOM` events with `Event-Subclass`. */
export function coreEventSink(core: Core): RegistrarEventSink {
  return {
    wants: () => core.events.wants('CUSTOM'),
    fire: (subclass, headers) => core.fireEvent('CUSTOM', { subclass, headers }),
  };
}

/** Collects events in memory (tests, diagnostics). */
export class CollectingEventSink implements RegistrarEventSink {
  readonly events: Array<{ subclass: RegistrarEventSubclass; headers: Map<string, string> }> = [];
  wants(): boolean {
    return true;
  }
  fire(subclass: RegistrarEventSubclass, headers: Array<[string, string]>): void {
    this.events.push({ subclass, headers: new Map(headers) });
  }
  of(subclass: RegistrarEventSubclass): Array<Map<string, string>> {
    return this.events.filter((e) => e.subclass === subclass).map((e) => e.headers);
  }
}

export interface RegisterEventFacts {
  profile: string;
  fromUser: string;
  fromHost: string;
  toUser: string;
  toHost: string;
  presenceHosts: readonly string[];
  callId: string;
  userAgent: string;
  networkIp: string;
  networkPort: number;
  username?: string;
  realm?: string;
}

function bindingContactText(b: Binding): string {
  let c = `<${b.contact}>`;
  if (b.nat && b.routeTarget) c = `<${b.contact};fs_nat=yes;fs_path=${encodeURIComponent(`<${b.routeTarget}>`)}>`;
  return c;
}

/** sofia::register / unregister / expire headers (§1.4 step 10), user variables and sip-* params appended. */
export function bindingEventHeaders(
  f: RegisterEventFacts,
  b: Binding,
  expiresSeconds: number,
  user?: DirectoryUser,
): Array<[string, string]> {
  const h: Array<[string, string]> = [
    ['profile-name', f.profile],
    ['from-user', f.fromUser],
    ['from-host', f.fromHost],
    ['presence-hosts', f.presenceHosts.length > 0 ? f.presenceHosts.join(',') : 'n/a'],
    ['contact', bindingContactText(b)],
    ['call-id', b.callId],
    ['rpid', 'unknown'],
    ['status', b.status],
    ['expires', String(expiresSeconds)],
    ['to-user', f.toUser],
    ['to-host', f.toHost],
    ['network-ip', b.receivedIp],
    ['network-port', String(b.receivedPort)],
    ['username', f.username ?? b.authUsername ?? f.toUser],
    ['realm', f.realm ?? b.authRealm ?? f.toHost],
    ['user-agent', b.userAgent],
  ];
  if (user) {
    for (const [k, v] of user.variables) h.push([k, v]);
    for (const [k, v] of user.params) if (k.startsWith('sip-')) h.push([k, v]);
  }
  return h;
}

/** Headers for an expired binding (no request around: taken from the row). */
export function expireEventHeaders(profile: string, b: Binding): Array<[string, string]> {
  return [
    ['profile-name', profile],
    ['call-id', b.callId],
    ['user', b.user],
    ['host', b.host],
    ['contact', bindingContactText(b)],
    ['status', b.status],
    ['expires', String(Math.round(b.expiresAt / 1000))],
    ['network-ip', b.receivedIp],
    ['network-port', String(b.receivedPort)],
    ['user-agent', b.userAgent],
  ];
}

/** sofia::pre_register and sofia::register_failure. */
export function requestEventHeaders(f: RegisterEventFacts, extra: Array<[string, string]> = []): Array<[string, string]> {
  return [
    ['profile-name', f.profile],
    ['from-user', f.fromUser],
    ['from-host', f.fromHost],
    ['to-user', f.toUser],
    ['to-host', f.toHost],
    ['call-id', f.callId],
    ['network-ip', f.networkIp],
    ['network-port', String(f.networkPort)],
    ['user-agent', f.userAgent],
    ...(f.username !== undefined ? ([['username', f.username]] as Array<[string, string]>) : []),
    ...extra,
  ];
}
