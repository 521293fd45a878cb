/**
 * Matching one offered m= line against the local codec list, exactly as
 * freeswitch-behaviour.md §3.3 describes FreeSWITCH's negotiate_sdp:
 *
 *   for each remote format, in OFFER order            (outer loop)
 *     for each local preference, in LOCAL order       (inner loop)
 *       compatible?  name (case-insensitive), static/dynamic class, bitrate, G.711 rate
 *         scrooge               -> exact match with OUR ptime/rate ("Bah HUMBUG!")
 *         ptime or rate differs -> near_matches (ptime only counts if the remote sent one)
 *         otherwise             -> matches
 *   no matches but near matches (not scrooge): first near match that resolves wins,
 *     re-resolved as NAME@<remote rate>h@<remote ptime>i (adapt to the remote) if an
 *     implementation exists, else our implementation if it does not exceed a=maxptime.
 *   generous: keep offer order.  greedy, scrooge: stable sort by local preference order.
 *
 * Deviations, on purpose: opus is matched on its name with a 48000 clock whatever the offer's
 * rtpmap rate or fmtp rates say (pain point 1, RFC 7587 §7); for codecs other than opus the
 * channel count must agree (a different count is a different payload format).
 * `telephone-event` and `CN` never take part (handled by negotiate.ts, §3.4/§3.6).
 */
import type { OfferedFormat } from './media-info';
import { fmtpParam, sanePtime } from './media-info';
import {
  defaultPtime,
  isComfortNoise,
  isDynamicPt,
  isOpus,
  isTelephoneEvent,
  OPUS_SDP_CLOCK,
  sameName,
  staticPtFor,
} from './static-payloads';
import type { LocalCodecPref, NegotiationPolicy } from './types';

/** A codec both sides agreed on for one m= line. */
export interface NegotiatedCodec {
  /** Canonical name, as the local preference spells it. */
  name: string;
  /** The remote's payload type: used for sending, and for receiving since the answer reuses it. */
  pt: number;
  /** SDP clock rate in use. */
  clockRate: number;
  /** Channels as in SDP (opus: 2). */
  channels: number;
  /** The packet time we packetise at (pain point 3: exactly this, always). */
  ptime: number;
  /** What the remote asked for with a=ptime (after sanity clamping), if anything. */
  remotePtime?: number;
  /** The remote's fmtp for this payload type. */
  fmtp?: string;
  /** The fmtp our side advertises (from the local preference). */
  localFmtp?: string;
  bitrate?: number;
  /** exact; near = adapted per the near-match rule; scrooge = our ptime/rate imposed. */
  match: 'exact' | 'near' | 'scrooge';
  /** Index of the local preference that matched. */
  prefIndex: number;
}

export interface ImplementationQuery {
  name: string;
  clockRate: number;
  ptime: number;
  channels: number;
}

/** Does the codec layer have an implementation at this rate/ptime? (Supplied by the endpoint.) */
export type HasImplementation = (q: ImplementationQuery) => boolean;

function steps(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  for (let v = from; v <= to; v += step) out.push(v);
  return out;
}

const DEFAULT_IMPLEMENTATIONS: ReadonlyMap<string, { rates: number[]; ptimes: number[] }> = new Map([
  ['pcmu', { rates: [8000], ptimes: steps(10, 120, 10) }],
  ['pcma', { rates: [8000], ptimes: steps(10, 120, 10) }],
  ['g722', { rates: [8000], ptimes: steps(10, 60, 10) }],
  ['opus', { rates: [48000], ptimes: [10, 20, 40, 60, 80, 100, 120] }],
  ['l16', { rates: [8000, 16000, 32000, 44100, 48000], ptimes: steps(10, 120, 10) }],
]);

/** What Strowger's codec layer is planned to provide; endpoints pass the registry's answer instead. */
export const defaultHasImplementation: HasImplementation = (q) => {
  const e = DEFAULT_IMPLEMENTATIONS.get(q.name.toLowerCase());
  return e !== undefined && e.rates.includes(q.clockRate) && e.ptimes.includes(q.ptime);
};

export interface MatchOptions {
  policy: NegotiationPolicy;
  /** a=ptime of the m= line (media or session level, capped by maxptime), if sent. */
  remotePtime?: number;
  remoteMaxptime?: number;
  hasImplementation?: HasImplementation;
  /**
   * `rtp_negotiate_near_match=true`: a near match competes with the exact ones in its offer
   * position instead of being a last resort (a PCMU@30i offer is taken even if G722@20i matched).
   */
  negotiateNearMatch?: boolean;
}

/** FreeSWITCH's MAX_MATCHES: bounds work on hostile offers with hundreds of rtpmaps. */
export const MAX_MATCHES = 30;

function localIsStatic(p: LocalCodecPref): boolean {
  if (p.pt !== undefined) return !isDynamicPt(p.pt);
  return staticPtFor(p.name, p.clockRate, p.channels ?? 1) !== undefined;
}

function parseBitrate(fmtp: string | undefined): number | undefined {
  const v = fmtpParam(fmtp, 'bitrate');
  if (v === undefined || v.length === 0 || v.length > 9) return undefined;
  const n = Number(v);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

/**
 * The remote ptime that counts for one format: the m= line's a=ptime, else the codec's own
 * convention when it has one (iLBC: fmtp mode=20|30, absent ⇒ 30; G723 ⇒ 30).
 */
function remotePtimeFor(f: OfferedFormat, linePtime: number | undefined): number | undefined {
  if (linePtime !== undefined) return linePtime;
  if (sameName(f.encoding, 'iLBC')) return fmtpParam(f.fmtp, 'mode') === '20' ? 20 : 30;
  if (sameName(f.encoding, 'G723')) return 30;
  return undefined;
}

interface Candidate {
  f: OfferedFormat;
  pref: LocalCodecPref;
  prefIndex: number;
  remoteRate: number;
  localRate: number;
  localPtime: number;
  remotePtime: number | undefined;
  channels: number;
}

function codec(c: Candidate, rate: number, ptime: number, match: NegotiatedCodec['match']): NegotiatedCodec {
  const out: NegotiatedCodec = { name: c.pref.name, pt: c.f.pt, clockRate: rate, channels: c.channels, ptime, match, prefIndex: c.prefIndex };
  if (c.remotePtime !== undefined) out.remotePtime = c.remotePtime;
  if (c.f.fmtp !== undefined) out.fmtp = c.f.fmtp;
  if (c.pref.fmtp !== undefined) out.localFmtp = c.pref.fmtp;
  if (c.pref.bitrate !== undefined) out.bitrate = c.pref.bitrate;
  return out;
}

/** Re-resolve a near match (§3.3); undefined when neither implementation is acceptable. */
function resolveNear(c: Candidate, opts: MatchOptions): NegotiatedCodec | undefined {
  const has = opts.hasImplementation ?? defaultHasImplementation;
  const ptime = c.remotePtime ?? defaultPtime(c.pref.name);
  if (has({ name: c.pref.name, clockRate: c.remoteRate, ptime, channels: c.channels })) return codec(c, c.remoteRate, ptime, 'near');
  if (opts.remoteMaxptime === undefined || c.localPtime <= opts.remoteMaxptime) return codec(c, c.localRate, c.localPtime, 'near');
  return undefined;
}

/**
 * All codecs of one m= line both sides support, best first (index 0 is the negotiated codec,
 * the rest are the payload map the peer may switch to). Empty when nothing matches.
 */
export function matchCodecs(offered: readonly OfferedFormat[], prefs: readonly LocalCodecPref[], opts: MatchOptions): NegotiatedCodec[] {
  const scrooge = opts.policy === 'scrooge';
  const linePtime = sanePtime(opts.remotePtime);
  const matches: NegotiatedCodec[] = [];
  const near: Candidate[] = [];
  outer: for (const f of offered) {
    if (isTelephoneEvent(f.encoding) || isComfortNoise(f.encoding)) continue;
    for (let i = 0; i < prefs.length; i++) {
      if (matches.length >= MAX_MATCHES) break outer;
      const pref = prefs[i]!;
      if (!sameName(f.encoding, pref.name)) continue;
      if (isDynamicPt(f.pt) === localIsStatic(pref)) continue;
      const opus = isOpus(pref.name);
      const remoteBitrate = parseBitrate(f.fmtp);
      const ilbcOrIsac = sameName(pref.name, 'iLBC') || sameName(pref.name, 'iSAC');
      if (remoteBitrate !== undefined && pref.bitrate !== undefined && remoteBitrate !== pref.bitrate && !ilbcOrIsac) continue;
      const remoteRate = opus ? OPUS_SDP_CLOCK : f.clockRate;
      const localRate = opus ? OPUS_SDP_CLOCK : pref.clockRate;
      const g711 = sameName(pref.name, 'PCMU') || sameName(pref.name, 'PCMA');
      if (g711 && remoteRate !== localRate) continue;
      const channels = opus ? 2 : pref.channels ?? 1;
      if (!opus && f.channels !== channels) continue;
      const c: Candidate = {
        f,
        pref,
        prefIndex: i,
        remoteRate,
        localRate,
        localPtime: pref.ptime ?? defaultPtime(pref.name),
        remotePtime: remotePtimeFor(f, linePtime),
        channels,
      };
      const differs = (c.remotePtime !== undefined && c.remotePtime !== c.localPtime) || remoteRate !== localRate;
      if (scrooge) {
        // "Bah HUMBUG! Sticking with NAME@<our rate>h@<our ptime>i": our implementation, always.
        matches.push(codec(c, localRate, c.localPtime, differs ? 'scrooge' : 'exact'));
      } else if (!differs) {
        matches.push(codec(c, localRate, c.localPtime, 'exact'));
      } else if (opts.negotiateNearMatch) {
        const r = resolveNear(c, opts);
        if (r) matches.push(r);
      } else if (near.length < MAX_MATCHES) {
        near.push(c);
      }
    }
  }
  if (matches.length === 0) {
    for (const c of near) {
      const r = resolveNear(c, opts);
      if (r) return [r];
    }
    return [];
  }
  if (opts.policy !== 'generous') {
    // greedy_sort: local preference decides; Array.prototype.sort is stable (ES2019).
    matches.sort((a, b) => a.prefIndex - b.prefIndex);
  }
  return matches;
}
