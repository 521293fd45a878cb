/**
 * NAT decision for an inbound REGISTER (freeswitch-behaviour.md §1.3 point 2, as sofia_reg.c
 * decides it), and the "where to really send" target a NATed binding records (FS `fs_path`).
 *
 *   aggressive-nat-detection on ─► top Via sent-by ≠ packet source (host, or port;
 *                                  an absent port reads as 5060)                      ─┐
 *   apply-nat-acl set ──────────► some Contact host (an IP literal) is inside it,       ├─► NAT
 *                                  differs from the source IP, and the source IP is not ─┘
 *   then: a source inside local-network-acl is never NATed (FS: "IP is on local network,
 *   not setting NAT mode").
 *
 * ACL refs and the registry come in, a verdict with a reason goes out. ACL verdicts are memoised
 * per (registry, ref list) object and address, so a reloaded ACL (new objects) is never stale.
 */
import { checkAclRefs, isIpLiteral, parseIp, type AclRef, type AclRegistry } from '../../config';
import { formatHost, type NameAddr, type Via } from '../../sip';

export interface NatPolicy {
  /** apply-nat-acl: Contact hosts inside these are private addresses (vanilla `nat.auto`). */
  natAcl: readonly AclRef[];
  /** local-network-acl: sources inside are never NATed. Empty = the check is off. */
  localNetworkAcl: readonly AclRef[];
  aggressive: boolean;
  acls: AclRegistry;
}

export interface NatInput {
  sourceIp: string;
  sourcePort: number;
  /** The request's Contacts (wildcards are skipped). */
  contacts: readonly NameAddr[];
  topVia?: Via;
}

export interface NatVerdict {
  nat: boolean;
  /** Why NAT was flagged (or why it was cleared): for debug logs. */
  reason?: 'aggressive-via' | 'nat-acl' | 'local-network';
}

/** Same address? Compares parsed IPs so `::ffff:1.2.3.4`/`1.2.3.4` and IPv6 spellings agree. */
function sameIp(a: string, b: string): boolean {
  if (a === b) return true;
  const pa = parseIp(a);
  const pb = parseIp(b);
  return pa !== undefined && pb !== undefined && pa.family === pb.family && pa.value === pb.value;
}

/** ACL verdicts per (ref list, address): REGISTERs come from few addresses again and again. */
const MEMO_MAX = 4096;
const memo = new WeakMap<AclRegistry, WeakMap<readonly AclRef[], Map<string, boolean>>>();

function inAcl(refs: readonly AclRef[], acls: AclRegistry, ip: string): boolean {
  if (refs.length === 0) return false;
  let byRefs = memo.get(acls);
  if (!byRefs) memo.set(acls, (byRefs = new WeakMap()));
  let m = byRefs.get(refs);
  if (!m) byRefs.set(refs, (m = new Map()));
  let v = m.get(ip);
  if (v === undefined) {
    v = checkAclRefs(refs, acls, ip).allowed;
    if (m.size >= MEMO_MAX) m.clear(); // bounded: attacker-chosen Contact hosts cannot grow it
    m.set(ip, v);
  }
  return v;
}

export function detectRegisterNat(input: NatInput, policy: NatPolicy): NatVerdict {
  let reason: NatVerdict['reason'];
  if (policy.aggressive && input.topVia) {
    const v = input.topVia;
    if (!sameIp(v.host, input.sourceIp) || (v.port ?? 5060) !== input.sourcePort) reason = 'aggressive-via';
  }
  if (!reason && policy.natAcl.length > 0 && !inAcl(policy.natAcl, policy.acls, input.sourceIp)) {
    for (const c of input.contacts) {
      if (c.wildcard) continue;
      const host = c.uri.host;
      // The usual phone on a LAN/public address: its Contact is its source (no IP parse needed).
      if (host === input.sourceIp || !isIpLiteral(host) || sameIp(host, input.sourceIp)) continue;
      if (inAcl(policy.natAcl, policy.acls, host)) {
        reason = 'nat-acl';
        break;
      }
    }
  }
  if (!reason) return { nat: false };
  if (inAcl(policy.localNetworkAcl, policy.acls, input.sourceIp)) return { nat: false, reason: 'local-network' };
  return { nat: true, reason };
}

/**
 * The route target stored for a NATed binding: the address the REGISTER really came from, as a
 * SIP URI (`sip:203.0.113.7:31337;transport=udp`). Requests for the binding go there (FS fs_path).
 */
export function natRouteTarget(transport: string, ip: string, port: number): string {
  return `sip:${formatHost(ip)}:${port};transport=${transport.toLowerCase()}`;
}
