/**
 * Helpers for bridging two legs (freeswitch-behaviour.md §3.7), all pure:
 *
 *   early negotiation : B is offered ONLY A's negotiated codec     -> originatorCodecPrefs()
 *   late negotiation  : B is offered what A offered, filtered by    -> offerCodecPrefs()
 *                       A's list, in A's offer order (ep_codec_string). Computed from A's offer
 *                       alone, so it does not depend on which profile B uses (pain point 2).
 *   inherit_codec     : when B answers, A is answered with B's codec -> inheritCodec()
 *                       if A offered it
 *   relay or transcode: same name, rate, ptime, channels => relay    -> mediaPath()
 */
import type { NegotiatedCodec } from './codec-match';
import { primaryAudioIndex } from './hold';
import { offeredFormats, remotePtime } from './media-info';
import { defaultPtime, isComfortNoise, isOpus, isTelephoneEvent, OPUS_SDP_CLOCK, sameName } from './static-payloads';
import type { LocalCodecPref, SessionDescription } from './types';

function sameCodec(name: string, rate: number, p: { name: string; clockRate: number }): boolean {
  return sameName(name, p.name) && (isOpus(name) || rate === p.clockRate);
}

/**
 * `ep_codec_string` as data: the codecs of A's offer (first usable audio line) that also appear
 * in `filter` (A's codec list; omit to keep all), in OFFER order, carrying the offered rate,
 * ptime, channels, fmtp and PT. Keeping A's PT lets B's leg use the same numbers, which helps
 * passthrough and avoids PT mismatches (pain point 4). Names are spelled as in `filter`.
 */
export function offerCodecPrefs(offer: SessionDescription, filter?: readonly LocalCodecPref[]): LocalCodecPref[] {
  const idx = primaryAudioIndex(offer);
  const m = offer.media[idx];
  if (!m) return [];
  const ptime = remotePtime(offer, m);
  const out: LocalCodecPref[] = [];
  for (const f of offeredFormats(m)) {
    if (isTelephoneEvent(f.encoding) || isComfortNoise(f.encoding)) continue;
    const local = filter ? filter.find((p) => sameCodec(f.encoding, f.clockRate, p)) : undefined;
    if (filter && !local) continue;
    const name = local?.name ?? f.encoding;
    const opus = isOpus(name);
    const clockRate = opus ? OPUS_SDP_CLOCK : f.clockRate;
    if (out.some((p) => sameCodec(name, clockRate, p))) continue;
    const pref: LocalCodecPref = { name, clockRate, ptime: ptime ?? defaultPtime(name), channels: opus ? 2 : f.channels, pt: f.pt };
    if (f.fmtp !== undefined) pref.fmtp = f.fmtp;
    out.push(pref);
    if (out.length >= 32) break;
  }
  return out;
}

/** Early negotiation: the B leg's list is A's negotiated codec only (`originator_codec`). */
export function originatorCodecPrefs(a: NegotiatedCodec): LocalCodecPref[] {
  const p: LocalCodecPref = { name: a.name, clockRate: a.clockRate, ptime: a.ptime, channels: a.channels, pt: a.pt };
  const fmtp = a.localFmtp ?? a.fmtp;
  if (fmtp !== undefined) p.fmtp = fmtp;
  if (a.bitrate !== undefined) p.bitrate = a.bitrate;
  return [p];
}

/**
 * `inherit_codec=true`: when B answered with `b`, A's `absolute_codec_string` becomes B's codec,
 * but only if A offered it (its ep list contains it). Returns A's new list, or undefined.
 */
export function inheritCodec(b: NegotiatedCodec, aOffered: readonly LocalCodecPref[]): LocalCodecPref[] | undefined {
  const hit = aOffered.find((p) => sameCodec(b.name, b.clockRate, p));
  if (!hit) return undefined;
  return [{ name: hit.name, clockRate: hit.clockRate, ptime: b.ptime, channels: hit.channels ?? b.channels }];
}

export type MediaPath =
  /** Same payload format both ways: forward packets, rewriting PT and SSRC/seq as needed. */
  | { mode: 'relay'; rewritePt: boolean }
  /** Decode to L16, resample if rates differ, re-packetise if ptime differs, encode (§3.7). */
  | { mode: 'transcode'; repacketize: boolean };

/**
 * §3.7 passthrough rule: a frame passes without decoding when both legs use the same codec
 * implementation (name, clock rate, ptime, channels). Media bugs (recording, eavesdrop) that
 * need raw audio force transcoding; pass `needsRawAudio` for those.
 */
export function mediaPath(a: NegotiatedCodec, b: NegotiatedCodec, needsRawAudio = false): MediaPath {
  const same = sameName(a.name, b.name) && a.clockRate === b.clockRate && a.ptime === b.ptime && a.channels === b.channels;
  if (same && !needsRawAudio) return { mode: 'relay', rewritePt: a.pt !== b.pt };
  return { mode: 'transcode', repacketize: a.ptime !== b.ptime };
}
