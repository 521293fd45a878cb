/**
 * Codec lists for a call leg (freeswitch-behaviour.md §3.1, §3.2, §3.7): FreeSWITCH codec
 * strings (src/codec) turned into the plain preference data src/sdp negotiates with, the
 * implementation check negotiation asks, and the channel variables FreeSWITCH sets
 * (`ep_codec_string`, `rtp_use_codec_string`, `read_codec`, `write_codec`, `rtp_use_codec_*`).
 *
 * Which list applies to a leg (§3.2, first match wins):
 *   1. absolute_codec_string
 *   2. outbound leg before answer: originator codec (early: A's negotiated codec; late: A's
 *      ep_codec_string); media_mix_inbound_outbound_codecs=true prepends it to 4 instead
 *   3. codec_string
 *   4. profile inbound-codec-prefs (inbound legs) / outbound-codec-prefs (outbound), each falling
 *      back to the other, then PCMU@20i,PCMA@20i
 */
import { findCodec, parseCodecString, type CodecDescription } from '../../codec';
import type { Channel } from '../../core';
import type { HasImplementation, LocalCodecPref, NegotiatedCodec } from '../../sdp';
import { logger } from '../../util/logger';

/** FreeSWITCH's last-resort list (§3.2: `PCMU@20i,PCMA@20i,speex@20i`; we have no speex). */
export const FALLBACK_CODEC_STRING = 'PCMU@20i,PCMA@20i';

const log = logger.child({ mod: 'sofia.codecs' });

/** A codec description as negotiation data. Opus is opus/48000/2 in SDP whatever it encodes (RFC 7587 §7). */
export function toLocalPref(d: CodecDescription): LocalCodecPref {
  const opus = d.name === 'opus';
  const p: LocalCodecPref = { name: d.name, clockRate: d.clockRate, ptime: d.ptime, channels: opus ? 2 : d.channels };
  if (d.staticPt !== undefined) p.pt = d.staticPt;
  if (d.fmtp !== undefined && d.fmtp !== '') p.fmtp = d.fmtp;
  return p;
}

const parsed = new Map<string, readonly LocalCodecPref[]>();
const MAX_CACHED = 256;

/**
 * Parse a codec string leniently (unknown names such as H264/VP8 are dropped, as FS does).
 * Results are cached per string (profile lists and channel variables repeat on every call);
 * callers get a fresh array and must not edit the entries.
 */
export function prefsFromCodecString(s: string | undefined): LocalCodecPref[] {
  if (!s) return [];
  const hit = parsed.get(s);
  if (hit) return hit.slice();
  let out: LocalCodecPref[] = [];
  if (s.trim() && s.length <= 4096) {
    try {
      out = parseCodecString(s, { unknown: 'drop' }).filter((d) => findCodec(d.name)?.audio).map(toLocalPref);
    } catch (err) {
      log.warn({ err, codecs: s.slice(0, 256) }, 'invalid codec string ignored');
    }
  }
  if (parsed.size >= MAX_CACHED) parsed.clear();
  parsed.set(s, out);
  return out.slice();
}

/** Negotiation asks: does src/codec implement this codec at this clock rate, ptime, channels? */
export const hasImplementation: HasImplementation = (q) => {
  const info = findCodec(q.name);
  if (!info || !info.audio) return false;
  if (!info.ptimes.includes(q.ptime)) return false;
  if (info.name === 'opus') return q.clockRate === 48000;
  if (info.fixedClock) return q.clockRate === info.clockRate;
  return info.rates.includes(q.clockRate);
};

/**
 * The CodecDescription the media plane runs for a negotiated codec. Opus is encoded mono at
 * 48 kHz (FreeSWITCH's default; SDP still says /2); G722 is 16 kHz audio on an 8000 clock.
 */
export function describeNegotiated(c: NegotiatedCodec): CodecDescription {
  const info = findCodec(c.name);
  const name = info?.name ?? c.name;
  const sampleRate = name === 'G722' ? 16000 : name === 'opus' ? 48000 : c.clockRate;
  const d: CodecDescription = { name, clockRate: c.clockRate, sampleRate, channels: name === 'opus' ? 1 : c.channels, ptime: c.ptime };
  if (info?.staticPt !== undefined) d.staticPt = info.staticPt;
  if (info?.bitrate !== undefined) d.bitrate = info.bitrate;
  const fmtp = c.fmtp ?? c.localFmtp;
  if (fmtp !== undefined) d.fmtp = fmtp;
  return d;
}

interface FormattedPref {
  clockRate: number;
  ptime: number | undefined;
  channels: number | undefined;
  text: string;
}

/**
 * formatPref's answers by name, then rate, ptime and channels (the codec table is static). Every
 * call formats the same few codecs two or three times (ep_codec_string, rtp_use_codec_string).
 */
const formatted = new Map<string, FormattedPref[]>();

/** `PCMU@8000h@20i@64000b` / `opus@48000h@20i@2c`: one ep_codec_string / rtp_use_codec_string item. */
export function formatPref(p: { name: string; clockRate: number; ptime?: number; channels?: number }): string {
  let list = formatted.get(p.name);
  if (list !== undefined) {
    for (let i = 0; i < list.length; i++) {
      const e = list[i]!;
      if (e.clockRate === p.clockRate && e.ptime === p.ptime && e.channels === p.channels) return e.text;
    }
  }
  const text = formatPrefText(p);
  if (list === undefined) {
    if (formatted.size >= 256) formatted.clear();
    list = [];
    formatted.set(p.name, list);
  }
  if (list.length < 16) list.push({ clockRate: p.clockRate, ptime: p.ptime, channels: p.channels, text });
  return text;
}

function formatPrefText(p: { name: string; clockRate: number; ptime?: number; channels?: number }): string {
  const info = findCodec(p.name);
  let s = `${info?.name ?? p.name}@${p.clockRate}h@${p.ptime ?? info?.defaultPtime ?? 20}i`;
  if (info?.bitrate !== undefined) s += `@${info.bitrate}b`;
  if ((p.channels ?? 1) !== 1) s += `@${p.channels}c`;
  return s;
}

export function formatPrefs(prefs: readonly LocalCodecPref[]): string {
  if (prefs.length === 1) return formatPref(prefs[0]!);
  let s = '';
  for (let i = 0; i < prefs.length; i++) s += (i === 0 ? '' : ',') + formatPref(prefs[i]!);
  return s;
}

export interface ProfileCodecPrefs {
  inbound?: string;
  outbound?: string;
}

/** §3.2 item 4: the profile's list for a direction, with FreeSWITCH's fallbacks. */
export function profilePrefs(p: ProfileCodecPrefs, direction: 'inbound' | 'outbound'): LocalCodecPref[] {
  const first = direction === 'inbound' ? p.inbound : p.outbound;
  const second = direction === 'inbound' ? p.outbound : p.inbound;
  for (const s of [first, second, FALLBACK_CODEC_STRING]) {
    const prefs = prefsFromCodecString(s);
    if (prefs.length) return prefs;
  }
  return [];
}

/**
 * The codec list for a leg per §3.2. `originatorCodec` is what the originator hands an outbound
 * leg (A's negotiated codec under early negotiation, A's ep_codec_string under late negotiation).
 */
export function legCodecPrefs(
  ch: Pick<Channel, 'getVariable'>,
  profile: ProfileCodecPrefs,
  direction: 'inbound' | 'outbound',
  originatorCodec?: LocalCodecPref[],
  disableTranscoding = false,
): LocalCodecPref[] {
  const absolute = prefsFromCodecString(ch.getVariable('absolute_codec_string'));
  if (absolute.length) return absolute;
  if (direction === 'outbound' && originatorCodec && originatorCodec.length) {
    const mix = (ch.getVariable('media_mix_inbound_outbound_codecs') ?? '').toLowerCase() === 'true';
    if (!mix || disableTranscoding) return originatorCodec;
    const rest = prefsFromCodecString(ch.getVariable('codec_string'));
    const base = rest.length ? rest : profilePrefs(profile, direction);
    return [...originatorCodec, ...base.filter((p) => !originatorCodec.some((o) => o.name.toLowerCase() === p.name.toLowerCase()))];
  }
  const cs = prefsFromCodecString(ch.getVariable('codec_string'));
  if (cs.length) return cs;
  return profilePrefs(profile, direction);
}

/**
 * FreeSWITCH's codec variables after negotiation: read/write codec and rate, the rtp_use_codec_*
 * family, and the PTs in use.
 */
export function setCodecVariables(ch: Pick<Channel, 'setVariable'>, c: NegotiatedCodec, desc: CodecDescription): void {
  const rate = String(desc.sampleRate);
  ch.setVariable('read_codec', desc.name);
  ch.setVariable('read_rate', rate);
  ch.setVariable('write_codec', desc.name);
  ch.setVariable('write_rate', rate);
  ch.setVariable('rtp_use_codec_name', desc.name);
  ch.setVariable('rtp_use_codec_rate', String(c.clockRate));
  ch.setVariable('rtp_use_codec_ptime', String(c.ptime));
  ch.setVariable('rtp_use_codec_channels', String(c.channels));
  ch.setVariable('rtp_use_pt', String(c.pt));
  ch.setVariable('rtp_use_codec_fmtp', c.fmtp ?? c.localFmtp ?? '');
}
