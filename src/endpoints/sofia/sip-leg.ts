/**
 * What both kinds of sofia call legs share (inbound: we are the UAS of the INVITE; outbound: the
 * UAC): the dialog, the media, the core channel they drive, and everything that happens inside the
 * dialog once it exists.
 *
 *   BYE       -> 200, channel hung up (cause from Reason: Q.850, else NORMAL_CLEARING)   §15.1.2
 *   re-INVITE -> offer/answer like an initial offer, codec kept (hold/unhold); the hold state is
 *                relayed to the bridged partner with a re-INVITE of our own              §14, §4.2
 *   UPDATE    -> the same offer/answer in the 200, no ACK                            RFC 3311
 *   INFO      -> 200; application/dtmf-relay becomes a DTMF on the channel
 *   OPTIONS   -> 200                                                                      §11
 *   ACK       -> stops our 2xx retransmissions; carries the answer when we offered in the 2xx
 *   our BYE   -> with a Reason header (RFC 3326) for the cause
 *   481/408 to our in-dialog request -> the dialog is gone: hang up                  §12.2.1.2
 */
import {
  getCSeq,
  getMediaType,
  type ClientTransactionCallbacks,
  type InboundEnvelope,
  type SendTarget,
  type ServerTransaction,
  type SipRequest,
  type SipResponse,
  type SipStack,
} from '../../sip';
import { Dialog, DialogTable, targetForUri } from '../../sip/dialog';
import type { Channel, ChannelDriver, Core, DeferredVariables, HangupCause, MediaHandle } from '../../core';
import type { ProfileConfig } from '../../config';
import { parseSdp, classifyReinvite, offerCodecPrefs, originatorCodecPrefs, type Direction, type LocalCodecPref, type NegotiationPolicy, type SessionDescription } from '../../sdp';
import type { Clock, TimerHandle } from '../../util/clock';
import type { Logger } from '../../util/logger';
import { LegMedia, type LegMediaHooks } from './leg-media';
import type { RtpSessionStats } from '../../media';
import { q850FromReason, reasonHeaderFor } from './sip-causes';

/** What a leg needs from its profile (implemented by SofiaProfile). */
export interface LegHost {
  readonly name: string;
  readonly config: ProfileConfig;
  readonly core: Core;
  readonly stack: SipStack;
  readonly clock: Clock;
  readonly log: Logger;
  readonly dialogs: DialogTable<SipLeg>;
  readonly timers: { T1: number; T2: number };
  /** Our Contact header value for a peer at `peerIp` over `protocol`. */
  contactFor(protocol: 'UDP' | 'TCP', peerIp: string): string;
  /** Media for a leg toward `peerIp` (rtp-ip or ext-rtp-ip by local-network-acl). */
  newMedia(peerIp: string, hooks: LegMediaHooks): LegMedia;
  /** Headers every message of the profile carries (User-Agent). */
  commonHeaders(): Array<[string, string]>;
  /** The leg is finished: drop it from every index. */
  forget(leg: SipLeg): void;
  /** Codec policy and lists. */
  policyFor(ch: Channel): NegotiationPolicy;
  prefsFor(ch: Channel, direction: 'inbound' | 'outbound'): LocalCodecPref[];
}

/** The part of a logger a leg uses (pino's Logger satisfies it). */
export interface LegLogger {
  debug(obj: unknown, msg?: string): void;
  info(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
  error(obj: unknown, msg?: string): void;
}

export function sdpBody(req: SipRequest | SipResponse): SessionDescription | undefined | 'invalid' {
  if (req.body.length === 0) return undefined;
  if (getMediaType(req)?.type !== 'application/sdp') return undefined;
  try {
    return parseSdp(req.body);
  } catch {
    return 'invalid';
  }
}

const SDP_HEADERS: Array<[string, string]> = [['Content-Type', 'application/sdp']];

export abstract class SipLeg implements ChannelDriver, LegMediaHooks {
  channel!: Channel;
  dialog: Dialog | undefined;
  readonly legMedia: LegMedia;
  log: LegLogger;
  /** The far end said BYE (or CANCEL): never signal it again. */
  protected remoteGone = false;
  protected byeSent = false;
  /** Our re-INVITE/UPDATE in progress (RFC 3261 §14.1: one at a time). */
  protected ourReinvite = false;
  /** An incoming re-INVITE whose 2xx waits for its ACK. */
  protected pendingReinvite: { tx: ServerTransaction; res: SipResponse; offered: boolean; timer?: Retransmit } | undefined;
  protected finished = false;

  constructor(
    readonly host: LegHost,
    readonly peerIp: string,
  ) {
    this.log = host.log;
    this.legMedia = host.newMedia(peerIp, this);
  }

  // ------------------------------------------------------------------ media hooks (LegMediaHooks)

  /** @internal */
  onMediaTimeout(hold: boolean): void {
    this.log.warn({ hold }, 'media timeout');
    this.channel?.hangup('MEDIA_TIMEOUT');
  }

  /** @internal */
  onMediaDtmf(digit: string, ms: number): void {
    this.channel?.receiveDtmf(digit, ms, 'RTP');
  }

  /** @internal */
  onMediaBridged(mode: string): void {
    this.channel?.setVariable('media_bridge_mode', mode);
  }

  /** @internal FreeSWITCH's rtp_audio_* variables, set at hangup (they land in the CDR). */
  onMediaClosed(st: RtpSessionStats): void {
    const ch = this.channel;
    if (!ch) return;
    ch.deferVariables(new RtpStatsVariables(st));
  }

  abstract answer(): Promise<void>;
  abstract preAnswer(): Promise<void>;
  abstract ringReady(): Promise<void>;
  abstract hangup(cause: HangupCause): void;
  /** Where requests inside the dialog go (route set, NAT, TCP connection). */
  protected abstract inDialogTarget(): SendTarget | undefined;

  /** The SDP offer that started the call, when the peer made it (inbound legs). */
  initialOffer(): SessionDescription | undefined {
    return undefined;
  }

  /**
   * The codec list a leg originated from this one starts from (§3.7): the negotiated codec
   * (early negotiation, or already answered), else what the peer offered filtered by our list
   * (ep_codec_string, late negotiation).
   */
  originatorCodec(): LocalCodecPref[] | undefined {
    const n = this.legMedia.negotiated;
    if (n) return originatorCodecPrefs(n.codec);
    const offer = this.initialOffer();
    if (offer && this.channel) return offerCodecPrefs(offer, this.host.prefsFor(this.channel, this.channel.direction));
    return undefined;
  }

  media(): MediaHandle | undefined {
    return this.legMedia.negotiated || this.legMedia.session ? this.legMedia.handle : undefined;
  }

  // ------------------------------------------------------------------ sending in the dialog

  /** Send a request inside the dialog; false when it could not be sent. */
  protected sendInDialog(method: string, opts: { headers?: Array<[string, string]>; body?: Buffer }, cb: ClientTransactionCallbacks = {}): boolean {
    const d = this.dialog;
    const target = this.inDialogTarget();
    if (!d || !target) {
      this.log.warn({ method }, 'cannot send in dialog: no dialog or unreachable target');
      return false;
    }
    try {
      const req = d.createRequest(method, { headers: [...(opts.headers ?? []), ...this.host.commonHeaders()], body: opts.body });
      this.host.stack.sendRequest(req, target, cb);
      return true;
    } catch (err) {
      this.log.warn({ err, method }, 'in-dialog request not sent');
      return false;
    }
  }

  protected reasonHeaders(cause: HangupCause): Array<[string, string]> {
    const ch = this.channel;
    const custom = ch?.getVariable('sip_reason');
    if (custom) return [['Reason', custom]];
    if ((ch?.getVariable('disable_q850_reason') ?? '').toLowerCase() === 'true') return [];
    return [['Reason', reasonHeaderFor(cause)]];
  }

  /** BYE toward the peer (once). */
  protected sendBye(cause: HangupCause): void {
    if (this.byeSent || this.remoteGone || !this.dialog) return;
    this.byeSent = true;
    this.channel?.setVariable('sip_hangup_disposition', 'send_bye');
    const done = (): void => this.finish();
    const sent = this.sendInDialog('BYE', { headers: this.reasonHeaders(cause) }, { onFinal: done, onTimeout: done, onTransportError: done });
    if (!sent) this.finish();
    this.dialog.terminate();
  }

  /** Release media and indexes; idempotent. */
  protected finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.pendingReinvite?.timer?.stop();
    this.legMedia.close();
    if (this.dialog) this.host.dialogs.remove(this.dialog);
    this.host.forget(this);
  }

  // ------------------------------------------------------------------ requests received in the dialog

  /** Dispatch a request that matched this leg's dialog (the profile checked the table). */
  onInDialogRequest(tx: ServerTransaction, req: SipRequest, env: InboundEnvelope): void {
    const d = this.dialog!;
    if (!d.acceptRemoteCSeq(req)) {
      tx.reply(500, { reason: 'Out of Order CSeq', headers: [['Retry-After', '1'], ...this.host.commonHeaders()] });
      return;
    }
    switch (req.method) {
      case 'BYE':
        return this.onBye(tx, req);
      case 'INVITE':
        return this.onReinvite(tx, req, env);
      case 'UPDATE':
        return this.onUpdate(tx, req);
      case 'INFO':
        return this.onInfo(tx, req);
      case 'OPTIONS':
        tx.reply(200, { headers: this.host.commonHeaders() });
        return;
      default:
        tx.reply(405, { headers: [['Allow', 'INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, UPDATE'], ...this.host.commonHeaders()] });
    }
  }

  protected onBye(tx: ServerTransaction, req: SipRequest): void {
    tx.reply(200, { headers: this.host.commonHeaders() });
    this.remoteGone = true;
    this.dialog?.terminate();
    const reason = req.headers.get('reason');
    const cause: HangupCause = (reason ? q850FromReason(reason) : undefined) ?? 'NORMAL_CLEARING';
    const ch = this.channel;
    ch.setVariable('sip_hangup_disposition', 'recv_bye');
    ch.setVariable('sip_term_status', '200');
    if (reason) ch.setVariable('sip_reason', undefined);
    this.log.info({ cause }, 'BYE received');
    ch.hangup(cause);
    this.finish();
  }

  /** An offer from the peer inside the dialog (re-INVITE or UPDATE): answer, relay hold. */
  protected answerReoffer(offer: SessionDescription): { ok: true; answer: Buffer } | { ok: false } {
    const wasHeld = this.legMedia.remoteHeld;
    const change = classifyReinvite(wasHeld, offer);
    const ch = this.channel;
    const r = this.legMedia.answerOffer(offer, this.host.prefsFor(ch, ch.direction), this.host.policyFor(ch), { keepCodec: true });
    if (!r.ok) return { ok: false };
    this.legMedia.setCodecVariables(ch);
    if (change.kind === 'hold' || change.kind === 'unhold') this.onRemoteHold(change.kind === 'hold', r.audio.remoteDirection);
    return { ok: true, answer: this.legMedia.localBody };
  }

  protected onReinvite(tx: ServerTransaction, req: SipRequest, _env: InboundEnvelope): void {
    if (this.ourReinvite || this.pendingReinvite) {
      // §14.2: an offer crossed ours (glare) or the previous one is unfinished.
      tx.reply(491, { reason: 'Request Pending', headers: this.host.commonHeaders() });
      return;
    }
    this.dialog?.refreshTarget(req);
    const offer = sdpBody(req);
    if (offer === 'invalid') {
      tx.reply(488, { reason: 'Not Acceptable Here', headers: this.host.commonHeaders() });
      return;
    }
    let body: Buffer;
    let offered = false;
    if (offer) {
      const r = this.answerReoffer(offer);
      if (!r.ok) {
        tx.reply(488, { reason: 'Not Acceptable Here', headers: [['Reason', reasonHeaderFor('INCOMPATIBLE_DESTINATION')], ...this.host.commonHeaders()] });
        return;
      }
      body = r.answer;
    } else {
      // §14.2 / RFC 6337 §5.3: no offer: we offer in the 2xx (our current codec, sendrecv); the
      // answer comes in the ACK.
      const prefs = this.currentCodecPrefs();
      this.legMedia.makeOffer(prefs);
      body = this.legMedia.localBody;
      offered = true;
    }
    const res = tx.reply(200, {
      headers: [['Contact', this.dialog!.localContact], ...SDP_HEADERS, ...this.host.commonHeaders()],
      body,
    });
    this.pendingReinvite = { tx, res, offered };
    this.pendingReinvite.timer = new Retransmit(this.host.clock, this.host.timers, tx.envelope.transport !== 'UDP', () => tx.respond(res), () => {
      // §13.3.1.4: no ACK for our 2xx within 64*T1: the dialog is dead.
      this.pendingReinvite = undefined;
      this.channel.hangup('RECOVERY_ON_TIMER_EXPIRE');
    });
  }

  /** The codec we run now, as a one-item list (re-offers keep it, renegotiate-codec-on-hold=false). */
  protected currentCodecPrefs(): LocalCodecPref[] {
    const c = this.legMedia.negotiated?.codec;
    if (!c) return this.host.prefsFor(this.channel, this.channel.direction);
    return [{ name: c.name, clockRate: c.clockRate, ptime: c.ptime, channels: c.channels, pt: c.pt }];
  }

  protected onUpdate(tx: ServerTransaction, req: SipRequest): void {
    this.dialog?.refreshTarget(req);
    const offer = sdpBody(req);
    if (offer === 'invalid') {
      tx.reply(488, { headers: this.host.commonHeaders() });
      return;
    }
    if (!offer) {
      tx.reply(200, { headers: [['Contact', this.dialog!.localContact], ...this.host.commonHeaders()] });
      return;
    }
    if (this.ourReinvite) {
      tx.reply(491, { headers: this.host.commonHeaders() });
      return;
    }
    const r = this.answerReoffer(offer);
    if (!r.ok) {
      tx.reply(488, { headers: [['Reason', reasonHeaderFor('INCOMPATIBLE_DESTINATION')], ...this.host.commonHeaders()] });
      return;
    }
    tx.reply(200, { headers: [['Contact', this.dialog!.localContact], ...SDP_HEADERS, ...this.host.commonHeaders()], body: r.answer });
  }

  protected onInfo(tx: ServerTransaction, req: SipRequest): void {
    tx.reply(200, { headers: this.host.commonHeaders() });
    if (getMediaType(req)?.type !== 'application/dtmf-relay') return;
    const dtmf = parseDtmfRelay(req.body.toString('utf8', 0, Math.min(req.body.length, 256)));
    if (dtmf) this.channel.receiveDtmf(dtmf.digit, dtmf.durationMs, 'INBAND_AUDIO');
  }

  /** ACK for a 2xx of ours (initial INVITE or re-INVITE). */
  onAck(ack: SipRequest): void {
    const p = this.pendingReinvite;
    if (p && getCSeq(ack)?.seq === getCSeq(p.tx.request)?.seq) {
      p.timer?.stop();
      this.pendingReinvite = undefined;
      if (p.offered) {
        const answer = sdpBody(ack);
        if (answer && answer !== 'invalid') {
          const wasHeld = this.legMedia.remoteHeld;
          const r = this.legMedia.acceptAnswer(answer);
          if (r.ok && r.audio.hold.held !== wasHeld) this.onRemoteHold(r.audio.hold.held, r.audio.remoteDirection);
        }
      }
    }
  }

  // ------------------------------------------------------------------ hold

  /**
   * The peer put us on hold (or took us off). FreeSWITCH marks the channel HELD and fires
   * CHANNEL_HOLD; we also tell the bridged partner with a re-INVITE of our own (issue 5: hold is
   * relayed to the other leg with offer/answer), so its phone shows the hold too.
   */
  protected onRemoteHold(held: boolean, remoteDirection: Direction): void {
    const ch = this.channel;
    const core = this.host.core;
    ch.setCallState(held ? 'HELD' : 'ACTIVE');
    core.fireChannelEvent(ch, held ? 'CHANNEL_HOLD' : 'CHANNEL_UNHOLD');
    this.log.info({ held, remoteDirection }, held ? 'remote hold' : 'remote unhold');
    const peer = ch.bridgedTo ? core.getChannel(ch.bridgedTo) : undefined;
    const driver = peer?.driver;
    if (driver instanceof SipLeg) {
      // We keep sending to the party that held us only if it still receives (sendonly hold:
      // it does not; inactive: neither way). Toward the partner we become the holder.
      const toward: Direction = !held ? 'sendrecv' : remoteDirection === 'inactive' ? 'inactive' : 'sendonly';
      driver.sendHold(toward);
    }
  }

  /**
   * Re-INVITE the peer with our own direction (sendonly/inactive = we hold it, sendrecv = resume),
   * keeping the codec. The answer updates the session direction.
   */
  sendHold(direction: Direction): void {
    if (!this.dialog || this.dialog.state !== 'confirmed' || this.remoteGone || this.byeSent) return;
    if (this.ourReinvite) {
      // One offer at a time (§14.1): try again shortly.
      this.host.clock.setTimeout(() => this.sendHold(direction), 200);
      return;
    }
    this.legMedia.localHold = direction === 'sendrecv' ? undefined : direction;
    this.legMedia.makeOffer(this.currentCodecPrefs(), direction);
    const offerBody = this.legMedia.localBody;
    this.ourReinvite = true;
    let first = true;
    const sent = this.sendInDialog(
      'INVITE',
      { headers: SDP_HEADERS, body: offerBody },
      {
        onFinal: (res) => {
          const ok = res.status >= 200 && res.status < 300;
          if (ok) this.ackReinvite(res); // every 2xx, retransmissions included (§13.2.2.4)
          if (!first) return;
          first = false;
          this.ourReinvite = false;
          if (ok) {
            this.dialog?.refreshTarget(res);
            const answer = sdpBody(res);
            if (answer && answer !== 'invalid') this.legMedia.acceptAnswer(answer);
          } else if (res.status === 481 || res.status === 408) {
            this.channel.hangup(res.status === 481 ? 'NORMAL_CLEARING' : 'RECOVERY_ON_TIMER_EXPIRE');
          } else {
            this.legMedia.pendingOffer = undefined;
            if (res.status === 491) this.host.clock.setTimeout(() => this.sendHold(direction), 2100 + Math.floor(Math.random() * 1900));
          }
        },
        onTimeout: () => {
          this.ourReinvite = false;
          this.channel.hangup('RECOVERY_ON_TIMER_EXPIRE');
        },
      },
    );
    if (!sent) this.ourReinvite = false;
  }

  private ackReinvite(res: SipResponse): void {
    const d = this.dialog;
    const target = this.inDialogTarget();
    const seq = getCSeq(res)?.seq;
    if (!d || !target || seq === undefined) return;
    try {
      this.host.stack.sendAck(d.createAck(seq, { headers: this.host.commonHeaders() }), target);
    } catch (err) {
      this.log.debug({ err }, 'ACK not sent');
    }
  }

  // ------------------------------------------------------------------ DTMF out

  sendDtmf(digits: string, durationMs: number): void {
    const type = this.legMedia.negotiated?.dtmf.type ?? 'none';
    if (type === 'rfc2833' && this.legMedia.session) {
      void this.legMedia.session.sendDtmf(digits, { durationMs }).catch(() => {});
      return;
    }
    if (type === 'info') {
      for (const d of digits) {
        this.sendInDialog('INFO', {
          headers: [['Content-Type', 'application/dtmf-relay']],
          body: Buffer.from(`Signal=${d}\r\nDuration=${durationMs}\r\n`),
        });
      }
    }
  }
}

/** `Signal=5\r\nDuration=160` (application/dtmf-relay, as phones send it). Scans; no regex. */
export function parseDtmfRelay(text: string): { digit: string; durationMs: number } | undefined {
  let digit: string | undefined;
  let duration = 100;
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const k = line.slice(0, eq).trim().toLowerCase();
    const v = line.slice(eq + 1).trim();
    if (k === 'signal' && v.length === 1 && '0123456789*#ABCDabcd'.includes(v)) digit = v.toUpperCase();
    else if (k === 'duration') {
      const n = Number.parseInt(v, 10);
      if (Number.isFinite(n) && n > 0 && n < 10_000) duration = n;
    }
  }
  return digit ? { digit, durationMs: duration } : undefined;
}

const RTP_STATS_NAMES: ReadonlySet<string> = new Set([
  'rtp_audio_in_media_packet_count',
  'rtp_audio_in_media_bytes',
  'rtp_audio_in_packet_loss',
  'rtp_audio_in_jitter_ms',
  'rtp_audio_in_dtmf_packet_count',
  'rtp_audio_out_media_packet_count',
  'rtp_audio_out_media_bytes',
  'rtp_audio_out_dtmf_packet_count',
]);

/**
 * The rtp_audio_* variables of a closed session, owed to the channel (Channel.deferVariables)
 * rather than written: the CDR reads two of them; the map gets all eight, in this order, only
 * when someone reads the whole map or writes a variable.
 */
class RtpStatsVariables implements DeferredVariables {
  readonly names = RTP_STATS_NAMES;
  constructor(private readonly st: RtpSessionStats) {}
  value(name: string): string | undefined {
    const i = this.st.in;
    const o = this.st.out;
    switch (name) {
      case 'rtp_audio_in_media_packet_count': return String(i.packets);
      case 'rtp_audio_in_media_bytes': return String(i.bytes);
      case 'rtp_audio_in_packet_loss': return String(i.lost);
      case 'rtp_audio_in_jitter_ms': return i.jitterMs === 0 ? '0.00' : i.jitterMs.toFixed(2);
      case 'rtp_audio_in_dtmf_packet_count': return String(i.dtmfPackets);
      case 'rtp_audio_out_media_packet_count': return String(o.packets);
      case 'rtp_audio_out_media_bytes': return String(o.bytes);
      case 'rtp_audio_out_dtmf_packet_count': return String(o.dtmfPackets);
      default: return undefined;
    }
  }
}

/**
 * A 2xx retransmitted by the UAS core until the ACK arrives (RFC 3261 §13.3.1.4): every T1,
 * doubling up to T2, on unreliable transports; after 64*T1 without ACK `onGiveUp` runs (the
 * session is over). On reliable transports only the 64*T1 deadline runs.
 */
export class Retransmit {
  private timer: TimerHandle | undefined;
  private deadline: TimerHandle | undefined;
  private interval: number;
  private stopped = false;

  constructor(
    private readonly clock: Clock,
    private readonly t: { T1: number; T2: number },
    reliable: boolean,
    private readonly send: () => void,
    onGiveUp: () => void,
  ) {
    this.interval = t.T1;
    if (!reliable) this.schedule();
    this.deadline = clock.setTimeout(() => {
      if (this.stopped) return;
      this.stop();
      onGiveUp();
    }, 64 * t.T1);
  }

  private schedule(): void {
    this.timer = this.clock.setTimeout(() => {
      if (this.stopped) return;
      try {
        this.send();
      } catch {
        // the transaction is gone; the deadline ends it
      }
      this.interval = Math.min(this.interval * 2, this.t.T2);
      this.schedule();
    }, this.interval);
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.deadline?.cancel();
  }
}

/** Resolve a dialog's next hop, falling back to `fallback` (NAT / stream connection). */
export function dialogTarget(d: Dialog | undefined, fallback?: SendTarget): SendTarget | undefined {
  if (!d) return fallback;
  if (d.routeSet.length === 0 && fallback) return fallback;
  return targetForUri(d.nextHopUri()) ?? fallback;
}
