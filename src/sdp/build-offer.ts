/**
 * Offers we make (outbound legs, re-INVITEs, 2xx to an INVITE without SDP), per
 * freeswitch-behaviour.md §3.5:
 *
 *   - every codec of the applicable list, in order; duplicates collapsed;
 *   - one m=audio line per distinct ptime (sdp_m_per_ptime, default on), each with a=ptime;
 *   - static codecs keep their static PT; dynamic ones take the preference's PT or the next free
 *     one from 96, and are MOVED when they collide with a telephone-event PT (pain point 4);
 *   - telephone-event once per distinct clock rate: 8000 uses rfc2833-pt (101), other rates get
 *     their own dynamic PTs; a=fmtp:<pt> 0-15;
 *   - CN/8000 (PT 13) unless suppress-cng (then a=silenceSupp:off - - - -).
 */
import { StrowgerError } from '../util/errors';
import {
  localSession,
  rtpmap,
  SILENCE_SUPP_OFF,
  telephoneEventFmtp,
  type LocalSessionOptions,
} from './local-session';
import {
  defaultPtime,
  FIRST_DYNAMIC_PT,
  isComfortNoise,
  isDynamicPt,
  isOpus,
  isTelephoneEvent,
  LAST_DYNAMIC_PT,
  OPUS_SDP_CLOCK,
  sameName,
  staticPtFor,
} from './static-payloads';
import type { Direction, LocalCodecPref, MediaDescription, SessionDescription } from './types';

export interface BuildOfferOptions extends LocalSessionOptions {
  prefs: readonly LocalCodecPref[];
  localPort: number;
  /** Default sendrecv; sendonly/inactive for our own hold (§4.2). */
  direction?: Direction;
  /** Default rfc2833: offer telephone-event. info/none: offer no telephone-event (#2542). */
  dtmfType?: 'rfc2833' | 'info' | 'none';
  /** rfc2833-pt, default 101. */
  rfc2833Pt?: number;
  suppressCng?: boolean;
  /** sdp_m_per_ptime, default true. */
  mPerPtime?: boolean;
  lineFlash16?: boolean;
  /** Default RTP/AVP. */
  proto?: string;
}

/** One payload format in our offer, with the PT we assigned. */
export interface OfferedCodec {
  name: string;
  pt: number;
  clockRate: number;
  channels: number;
  ptime: number;
  fmtp?: string;
  bitrate?: number;
  /** Index of the m= line carrying it. */
  mediaIndex: number;
}

export interface BuiltOffer {
  sdp: SessionDescription;
  codecs: OfferedCodec[];
  /** telephone-event PT per clock rate. */
  telephoneEvents: { pt: number; clockRate: number }[];
  cnPt?: number;
}

interface Planned {
  pref: LocalCodecPref;
  clockRate: number;
  channels: number;
  ptime: number;
  /** formatKey(name, clockRate, channels): one PT per format. */
  key: string;
}

function formatKey(name: string, clockRate: number, channels: number): string {
  return `${name.toLowerCase()}/${clockRate}/${channels}`;
}

/** The PTs taken so far: a handful per offer, so a list (Set semantics) rather than a hash table. */
class PtPool {
  private readonly used: number[] = [];
  reserve(pt: number): void {
    if (!this.used.includes(pt)) this.used.push(pt);
  }
  has(pt: number): boolean {
    return this.used.includes(pt);
  }
  /** Next free dynamic PT (RFC 3551 §3: 96..127), or undefined when all 32 are taken. */
  next(): number | undefined {
    for (let pt = FIRST_DYNAMIC_PT; pt <= LAST_DYNAMIC_PT; pt++) {
      if (!this.used.includes(pt)) {
        this.used.push(pt);
        return pt;
      }
    }
    return undefined;
  }
}

function plan(prefs: readonly LocalCodecPref[]): Planned[] {
  const out: Planned[] = [];
  const n = Math.min(prefs.length, 64);
  outer: for (let i = 0; i < n; i++) {
    const pref = prefs[i]!;
    if (isTelephoneEvent(pref.name) || isComfortNoise(pref.name)) continue;
    const opus = isOpus(pref.name);
    const clockRate = opus ? OPUS_SDP_CLOCK : pref.clockRate;
    const channels = opus ? 2 : pref.channels ?? 1;
    const ptime = pref.ptime ?? defaultPtime(pref.name);
    const key = formatKey(pref.name, clockRate, channels);
    // "duplicates are collapsed" (§3.1): same format at the same ptime (at most 64 to compare).
    for (let j = 0; j < out.length; j++) {
      const q = out[j]!;
      if (q.key === key && (q.ptime === ptime || (q.ptime !== q.ptime && ptime !== ptime))) continue outer;
    }
    out.push({ pref, clockRate, channels, ptime, key });
  }
  return out;
}

/** Build our offer; throws SDP_NO_COMMON_CODEC when the list has no usable codec. */
export function buildOffer(o: BuildOfferOptions): BuiltOffer {
  const planned = plan(o.prefs);
  if (planned.length === 0) throw new StrowgerError('SDP_NO_COMMON_CODEC', 'no codec to offer');
  const pool = new PtPool();
  const withTe = (o.dtmfType ?? 'rfc2833') === 'rfc2833';
  const rfc2833Pt = o.rfc2833Pt !== undefined && isDynamicPt(o.rfc2833Pt) && o.rfc2833Pt <= LAST_DYNAMIC_PT ? o.rfc2833Pt : 101;
  // Distinct clock rates in order of first appearance.
  const rates: number[] = [];
  for (const p of planned) if (!rates.includes(p.clockRate)) rates.push(p.clockRate);
  const tePt = new Map<number, number>();
  const suppressCng = o.suppressCng ?? false;
  const cnPt = suppressCng ? undefined : 13;

  // Static PTs first: they are fixed. Then the telephone-event PT for 8000, then dynamic codecs.
  const codecPt = new Map<string, number>();
  for (const p of planned) {
    const st = p.pref.pt !== undefined && !isDynamicPt(p.pref.pt) ? p.pref.pt : staticPtFor(p.pref.name, p.clockRate, p.channels);
    if (st !== undefined) {
      codecPt.set(p.key, st);
      pool.reserve(st);
    }
  }
  if (cnPt !== undefined) pool.reserve(cnPt);
  if (withTe && rates.includes(8000) && !pool.has(rfc2833Pt)) {
    tePt.set(8000, rfc2833Pt);
    pool.reserve(rfc2833Pt);
  }
  const kept: Planned[] = [];
  for (const p of planned) {
    const key = p.key;
    if (!codecPt.has(key)) {
      const want = p.pref.pt;
      let pt: number | undefined;
      if (want !== undefined && isDynamicPt(want) && want <= LAST_DYNAMIC_PT && !pool.has(want)) {
        pt = want;
        pool.reserve(want);
      } else {
        pt = pool.next();
      }
      if (pt === undefined) continue; // out of dynamic PTs: drop the codec, never reuse a PT
      codecPt.set(key, pt);
    }
    kept.push(p);
  }
  if (withTe) {
    for (const r of rates) {
      if (tePt.has(r)) continue;
      const pt = pool.next();
      if (pt !== undefined) tePt.set(r, pt);
    }
  }

  // Group by ptime in order of first appearance (one m= line per ptime), or one group.
  const groups: Planned[][] = [];
  if (o.mPerPtime ?? true) {
    const byPtime = new Map<number, Planned[]>();
    for (const p of kept) {
      let g = byPtime.get(p.ptime);
      if (!g) {
        g = [];
        byPtime.set(p.ptime, g);
        groups.push(g);
      }
      g.push(p);
    }
  } else {
    groups.push(kept);
  }

  const sdp = localSession(o);
  const codecs: OfferedCodec[] = [];
  for (const g of groups) {
    const mediaIndex = sdp.media.length;
    const m: MediaDescription = {
      type: 'audio',
      port: o.localPort,
      proto: o.proto ?? 'RTP/AVP',
      formats: [],
      bandwidths: [],
      rtpmaps: [],
      fmtps: [],
      ptime: g[0]!.ptime,
      direction: o.direction ?? 'sendrecv',
      attributes: [],
    };
    const groupRates: number[] = [];
    for (const p of g) {
      const pt = codecPt.get(p.key)!;
      if (m.formats.includes(String(pt))) continue; // same format at another ptime on one line
      m.formats.push(String(pt));
      m.rtpmaps.push(rtpmap(pt, p.pref.name, p.clockRate, p.channels));
      if (p.pref.fmtp !== undefined) m.fmtps.push({ pt, params: p.pref.fmtp });
      if (!groupRates.includes(p.clockRate)) groupRates.push(p.clockRate);
      const c: OfferedCodec = { name: p.pref.name, pt, clockRate: p.clockRate, channels: p.channels, ptime: p.ptime, mediaIndex };
      if (p.pref.fmtp !== undefined) c.fmtp = p.pref.fmtp;
      if (p.pref.bitrate !== undefined) c.bitrate = p.pref.bitrate;
      codecs.push(c);
    }
    for (const r of groupRates) {
      const pt = tePt.get(r);
      if (pt === undefined) continue;
      m.formats.push(String(pt));
      m.rtpmaps.push(rtpmap(pt, 'telephone-event', r));
      m.fmtps.push(telephoneEventFmtp(pt, o.lineFlash16));
    }
    if (cnPt !== undefined) {
      m.formats.push(String(cnPt));
      m.rtpmaps.push(rtpmap(cnPt, 'CN', 8000));
    } else {
      m.attributes.push({ ...SILENCE_SUPP_OFF });
    }
    sdp.media.push(m);
  }
  const out: BuiltOffer = {
    sdp,
    codecs,
    telephoneEvents: [...tePt].map(([clockRate, pt]) => ({ pt, clockRate })),
  };
  if (cnPt !== undefined) out.cnPt = cnPt;
  return out;
}

/** True when the preference list names this codec (name case-insensitive, SDP clock rate). */
export function prefsInclude(prefs: readonly LocalCodecPref[], name: string, clockRate: number): boolean {
  return prefs.some((p) => sameName(p.name, name) && (isOpus(name) || p.clockRate === clockRate));
}
