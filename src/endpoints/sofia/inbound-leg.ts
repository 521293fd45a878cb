/**
 * The A leg: an INVITE we received, as a core channel's driver (freeswitch-behaviour.md §1.5,
 * §3.7, §8.2).
 *
 *   INVITE ──▶ 100 (the transaction) ──▶ channel ROUTING/EXECUTE (the dialplan decides)
 *     ringReady  ─▶ 180                      (early dialog, RFC 3261 §12.1.1)
 *     preAnswer  ─▶ 183 + SDP                (early media; late negotiation happens here)
 *     answer     ─▶ 200 + SDP ─▶ retransmitted until the ACK (§13.3.1.4)
 *     hangup     ─▶ before 2xx: the SIP status for the cause (§8.2; the B leg's own status when
 *                   a bridge failed, §8.3 passthrough) with Reason; after: BYE with Reason
 *     CANCEL     ─▶ 487, channel hung up ORIGINATOR_CANCEL                           §9.2
 *
 * Every 1xx/2xx carries our To tag, Contact and the request's Record-Route (§12.1.1).
 */
import {
  getRecordRoutes,
  formatNameAddr,
  type InboundEnvelope,
  type SendTarget,
  type ServerTransaction,
  type SipRequest,
} from '../../sip';
import { Dialog } from '../../sip/dialog';
import { isTrue, type HangupCause } from '../../core';
import type { SessionDescription } from '../../sdp';
import { StrowgerError } from '../../util/errors';
import { LegMedia } from './leg-media';
import { causeToSipStatus, sipStatusToCause } from './sip-causes';
import { dialogTarget, Retransmit, sdpBody, SipLeg, type LegHost } from './sip-leg';
import { formatPrefs } from './codec-prefs';

const SDP_TYPE: [string, string] = ['Content-Type', 'application/sdp'];

export class InboundLeg extends SipLeg {
  /** 200 sent, waiting for its ACK. */
  private okRetransmit: Retransmit | undefined;
  private acked = false;
  /** Hang up (BYE) as soon as the ACK of our 2xx arrives (§15: no BYE before it). */
  private byeOnAck: HangupCause | undefined;
  private answering: Promise<void> | undefined;
  private readonly recordRoute: Array<[string, string]>;
  /** Where to send requests when the Contact cannot be used (NAT, stream connection). */
  private readonly sourceTarget: SendTarget;

  constructor(
    host: LegHost,
    readonly tx: ServerTransaction,
    readonly invite: SipRequest,
    readonly env: InboundEnvelope,
    /** The INVITE's SDP offer (undefined: the INVITE had none and we offer in the 2xx). */
    readonly offer: SessionDescription | undefined,
    private readonly challengeHeaders?: () => Array<[string, string]>,
  ) {
    super(host, env.remote.address);
    this.recordRoute = getRecordRoutes(invite).map((r) => ['Record-Route', formatNameAddr(r)]);
    this.sourceTarget = { protocol: env.transport, address: env.remote.address, port: env.remote.port, connectionId: env.connectionId };
  }

  get finalSent(): boolean {
    return this.tx.finalSent;
  }

  protected inDialogTarget(): SendTarget | undefined {
    const d = this.dialog;
    if (!d) return undefined;
    if (d.routeSet.length > 0) return dialogTarget(d, this.sourceTarget);
    // No proxy: a stream goes back on its connection; over UDP the Contact is used when it names
    // the address the INVITE came from, otherwise (NAT) the source address (FS NDLB behaviour).
    if (this.env.transport !== 'UDP') return this.sourceTarget;
    const t = dialogTarget(d);
    if (t && t.address === this.env.remote.address) return t;
    return this.sourceTarget;
  }

  override initialOffer(): SessionDescription | undefined {
    return this.offer;
  }

  private ensureDialog(): Dialog {
    if (!this.dialog) {
      this.dialog = Dialog.asUas(this.invite, this.tx.toTag, this.host.contactFor(this.env.transport, this.env.remote.address));
      this.host.dialogs.add(this.dialog, this);
    }
    return this.dialog;
  }

  private headers(extra: Array<[string, string]> = []): Array<[string, string]> {
    const d = this.ensureDialog();
    return [...this.recordRoute, ['Contact', d.localContact], ...extra, ...this.host.commonHeaders()];
  }

  /**
   * Our SDP for a 183/200: negotiate A's offer now if that has not happened (late negotiation,
   * §3.7), or offer when the INVITE had no SDP. Throws INCOMPATIBLE_DESTINATION (488) on no match.
   */
  private async localSdp(): Promise<Buffer> {
    const m = this.legMedia;
    await m.ensureSession();
    if (m.localSdp && (m.negotiated || m.pendingOffer)) return m.localBody;
    const ch = this.channel;
    const prefs = this.host.prefsFor(ch, 'inbound');
    if (!this.offer) {
      m.makeOffer(prefs);
      return m.localBody;
    }
    const r = m.answerOffer(this.offer, prefs, this.host.policyFor(ch));
    if (!r.ok) {
      this.log.error({ detail: r.detail }, 'CODEC NEGOTIATION ERROR');
      ch.setVariable('endpoint_disposition', 'CODEC NEGOTIATION ERROR');
      throw new StrowgerError('SDP_NO_COMMON_CODEC', r.detail);
    }
    m.setCodecVariables(ch);
    ch.setVariable('rtp_use_codec_string', formatPrefs(prefs));
    return m.localBody;
  }

  /** Early negotiation (inbound-late-negotiation=false): pick the codec on INVITE receipt. */
  async negotiateEarly(): Promise<boolean> {
    try {
      await this.localSdp();
      return true;
    } catch (err) {
      if (err instanceof StrowgerError && err.code === 'SDP_NO_COMMON_CODEC') return false;
      throw err;
    }
  }

  async ringReady(): Promise<void> {
    if (this.finalSent || !this.channel.up) return;
    this.tx.reply(180, { headers: this.headers() });
  }

  async preAnswer(): Promise<void> {
    if (this.finalSent || !this.channel.up) return;
    const body = await this.sdpOrHangup();
    if (this.finalSent || !this.channel.up) throw new StrowgerError('CHANNEL_STATE', 'hung up while pre-answering');
    this.tx.reply(183, { reason: 'Session Progress', headers: this.headers([SDP_TYPE]), body });
  }

  private async sdpOrHangup(): Promise<Buffer> {
    try {
      return await this.localSdp();
    } catch (err) {
      if (err instanceof StrowgerError && err.code === 'SDP_NO_COMMON_CODEC') this.channel.hangup('INCOMPATIBLE_DESTINATION');
      else if (err instanceof StrowgerError && err.code === 'MEDIA_PORTS_EXHAUSTED') this.channel.hangup('SWITCH_CONGESTION');
      throw err;
    }
  }

  answer(): Promise<void> {
    this.answering ??= this.doAnswer();
    return this.answering;
  }

  private async doAnswer(): Promise<void> {
    if (this.finalSent || !this.channel.up) {
      if (this.okRetransmit || this.acked) return;
      throw new StrowgerError('CHANNEL_STATE', 'cannot answer: final response already sent');
    }
    // inherit_codec (§3.7): the B leg's answer set absolute_codec_string on us just now.
    const body = await this.sdpOrHangup();
    if (this.finalSent || !this.channel.up) throw new StrowgerError('CHANNEL_STATE', 'hung up while answering');
    const d = this.ensureDialog();
    const res = this.tx.reply(200, { headers: this.headers([SDP_TYPE]), body });
    d.confirm();
    this.okRetransmit = new Retransmit(this.host.clock, this.host.timers, this.env.transport !== 'UDP', () => this.tx.respond(res), () => {
      // §13.3.1.4: no ACK within 64*T1: the session is over; BYE it (§15).
      this.okRetransmit = undefined;
      this.log.warn('no ACK for our 200 OK');
      const owed = this.byeOnAck;
      this.byeOnAck = undefined;
      if (this.channel.up) this.channel.hangup('RECOVERY_ON_TIMER_EXPIRE');
      else {
        this.sendBye(owed ?? 'RECOVERY_ON_TIMER_EXPIRE');
        if (!this.byeSent) this.finish();
      }
    });
    if ((this.channel.getVariable('inherit_codec') ?? '') !== '') this.channel.setVariable('absolute_codec_string', undefined);
  }

  async respond(status: number, reason?: string, headers?: Record<string, string>): Promise<void> {
    if (status < 200) {
      if (status === 180) return this.ringReady();
      if (status === 183) return this.preAnswer();
      return; // 100 went out with the transaction
    }
    if (status < 300) return this.answer();
    if (this.finalSent) return;
    const extra: Array<[string, string]> = headers ? Object.entries(headers) : [];
    if ((status === 401 || status === 407) && this.challengeHeaders) {
      const h = this.challengeHeaders();
      for (const [, v] of h) extra.push([status === 401 ? 'WWW-Authenticate' : 'Proxy-Authenticate', v]);
    }
    this.reject(status, reason, extra);
    this.channel.hangup(sipStatusToCause(status));
  }

  async redirect(contacts: string[]): Promise<void> {
    if (this.finalSent) return;
    const list = contacts.slice(0, 16).map((c) => (c.startsWith('<') ? c : `<${c.startsWith('sip:') || c.startsWith('sips:') ? c : 'sip:' + c}>`));
    const status = list.length > 1 ? 300 : 302;
    this.reject(status, undefined, list.map((c) => ['Contact', c] as [string, string]));
    this.channel.hangup('REDIRECTION_TO_NEW_DESTINATION');
  }

  private reject(status: number, reason: string | undefined, extra: Array<[string, string]>): void {
    this.tx.reply(status, { reason, headers: [...extra, ...this.host.commonHeaders()] });
    this.channel.setVariable('sip_term_status', String(status));
    this.channel.setVariable('sip_hangup_disposition', 'send_refuse');
  }

  /** The status for rejecting the unanswered call with `cause` (§8.2, §8.3 passthrough). */
  rejectStatus(cause: HangupCause): number {
    const ch = this.channel;
    const proto = ch.getVariable('last_bridge_proto_specific_hangup_cause');
    if (proto && proto.startsWith('sip:') && !isTrue(ch.getVariable('sip_ignore_remote_cause'))) {
      const failed = ch.getVariable('originate_failed_cause') ?? ch.getVariable('last_bridge_hangup_cause');
      const code = Number.parseInt(proto.slice(4), 10);
      if (failed === cause && code >= 300 && code <= 699) return code;
    }
    return causeToSipStatus(cause);
  }

  hangup(cause: HangupCause): void {
    const ch = this.channel;
    if (!this.finalSent && !this.remoteGone) {
      const status = this.rejectStatus(cause);
      this.tx.reply(status, { headers: [...this.reasonHeaders(cause), ...this.host.commonHeaders()] });
      ch.setVariable('sip_term_status', String(status));
      ch.setVariable('sip_hangup_disposition', 'send_refuse');
      this.dialog?.terminate();
      this.finish();
      return;
    }
    if (this.okRetransmit && !this.acked && !this.remoteGone) {
      this.byeOnAck = cause;
      this.legMedia.close();
      return;
    }
    this.sendBye(cause);
    if (!this.byeSent || this.remoteGone) this.finish();
    else this.legMedia.close();
  }

  /** CANCEL matched our INVITE before the final response (§9.2). */
  onCancel(): void {
    if (this.finalSent) return;
    this.tx.reply(487, { reason: 'Request Terminated', headers: this.host.commonHeaders() });
    this.remoteGone = true;
    this.dialog?.terminate();
    const ch = this.channel;
    ch.setVariable('sip_hangup_disposition', 'recv_cancel');
    ch.setVariable('sip_term_status', '487');
    this.log.info('CANCEL received');
    ch.hangup('ORIGINATOR_CANCEL');
    this.finish();
  }

  override onAck(ack: SipRequest): void {
    if (this.okRetransmit && !this.acked) {
      this.acked = true;
      this.okRetransmit.stop();
      this.okRetransmit = undefined;
      // We offered in the 200 (the INVITE had no SDP): the answer is in the ACK (§13.2.1).
      if (!this.offer && this.legMedia.pendingOffer && ack.body.length > 0) {
        const sdp = sdpBody(ack);
        if (sdp && sdp !== 'invalid') {
          const r = this.legMedia.acceptAnswer(sdp);
          if (r.ok) this.legMedia.setCodecVariables(this.channel);
        }
      }
      if (this.byeOnAck) {
        const c = this.byeOnAck;
        this.byeOnAck = undefined;
        this.sendBye(c);
        if (!this.byeSent) this.finish();
      }
      return;
    }
    super.onAck(ack);
  }

  /** The transaction died under us (no ACK to a rejection, transport error). */
  onTransactionFailure(): void {
    if (this.channel?.up && !this.channel.answered) this.channel.hangup('RECOVERY_ON_TIMER_EXPIRE');
  }

  protected override finish(): void {
    this.okRetransmit?.stop();
    super.finish();
  }
}
