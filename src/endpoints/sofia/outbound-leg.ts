/**
 * A B leg: an INVITE we send for a dial string (freeswitch-behaviour.md §3.7, §6.2, §8.3).
 *
 *   INVITE (own Call-ID, From tag, branch; our SDP offer) ──▶
 *     1xx with To tag  ─▶ early dialog (§12.1.2); 180 ─▶ ringing; 18x + SDP ─▶ early media
 *     2xx              ─▶ ACK (§13.2.2.4), dialog confirmed, answer applied, channel answered;
 *                         inherit_codec copies our codec to the A leg first
 *     3xx-6xx          ─▶ cause from Reason: Q.850, else the §8.3 table; the A leg remembers the
 *                         status (`last_bridge_proto_specific_hangup_cause=sip:486`) for passthrough
 *     Timer B          ─▶ RECOVERY_ON_TIMER_EXPIRE (the 408 row of the table)
 *   hangup before answer ─▶ CANCEL once a provisional arrived (§9.1), else when one does;
 *                           a 2xx racing our CANCEL is ACKed and BYEd (§15)
 *   forked 2xx from another remote tag after answer ─▶ ACK + BYE                     §13.2.2.4
 */
import {
  getCSeq,
  getToTag,
  makeCancel,
  type ClientTransaction,
  type ClientTransactionCallbacks,
  keepSent,
  type SendTarget,
  type SentMessage,
  type SipRequest,
  type SipResponse,
} from '../../sip';
import { Dialog } from '../../sip/dialog';
import { flatCopy } from '../../util/strings';
import type { Channel, HangupCause } from '../../core';
import { inheritCodec, offerCodecPrefs } from '../../sdp';
import { formatPrefs } from './codec-prefs';
import { sipStatusToCause } from './sip-causes';
import { dialogTarget, sdpBody, SipLeg, type LegHost } from './sip-leg';

export class OutboundLeg extends SipLeg {
  invite: SipRequest | undefined;
  private ict: ClientTransaction | undefined;
  private provisional = false;
  private cancelSent = false;
  private wantCancel: HangupCause | undefined;
  private answeredBy: string | undefined;
  /** Early dialogs by remote tag (forking). */
  private readonly early = new Map<string, Dialog>();
  /** The INVITE transaction's callbacks (re-pointed when the leg finishes). */
  private ictCallbacks: ClientTransactionCallbacks | undefined;
  /** The ACK we sent for the answering 2xx, as sent (resent for its retransmissions once the leg is done). */
  private ackSent: SentMessage | undefined;

  constructor(
    host: LegHost,
    readonly target: SendTarget,
    peerIp: string,
    readonly originator: Channel | undefined,
  ) {
    super(host, peerIp);
  }

  get callId(): string | undefined {
    return this.invite?.headers.get('call-id');
  }

  protected inDialogTarget(): SendTarget | undefined {
    // The registered contact may sit behind NAT: keep using the address the INVITE went to
    // unless a proxy inserted itself into the route set.
    return dialogTarget(this.dialog, this.target);
  }

  /** Send the INVITE (the channel exists; the core watches it for progress). */
  start(invite: SipRequest): void {
    this.invite = invite;
    const callbacks: ClientTransactionCallbacks = {
      onProvisional: (res) => this.onProvisional(res),
      onFinal: (res) => this.onFinal(res),
      onTimeout: () => this.onNoResponse('timeout'),
      onTransportError: () => this.onNoResponse('transport'),
      onTerminated: () => this.onInviteTerminated(),
    };
    this.ictCallbacks = callbacks;
    this.ict = this.host.stack.sendRequest(invite, this.target, callbacks);
  }

  /**
   * The leg is finished but its INVITE transaction may linger (Accepted: Timer M, Completed:
   * Timer D, both 64*T1). Point the transaction's callbacks at a small handler that only ACKs a
   * late 2xx (and BYEs it when it is not our dialog), so the transaction no longer keeps this
   * leg, its channels and its media alive for those 32 s. The handler keeps the ACK as text and
   * a flat copy of the answering tag: not the dialog or the INVITE, whose parsed headers hold
   * slices of other messages' texts (the 180, the A leg's INVITE). A 2xx of another fork builds
   * its dialog from the transaction's view of the INVITE.
   */
  private detachFromTransaction(): void {
    const cbs = this.ictCallbacks;
    this.ictCallbacks = undefined;
    if (!cbs || !this.invite) return;
    const { host, target } = this;
    const answeredBy = this.answeredBy === undefined ? undefined : flatCopy(this.answeredBy);
    const ack = this.ackSent && keepSent(this.ackSent);
    this.ackSent = undefined;
    cbs.onProvisional = undefined;
    cbs.onTimeout = undefined;
    cbs.onTransportError = undefined;
    cbs.onTerminated = undefined;
    cbs.onFinal = (res, tx) => {
      if (res.status < 200 || res.status >= 300) return;
      if (answeredBy !== undefined && getToTag(res) === answeredBy) {
        if (ack) host.stack.resend(ack);
        return;
      }
      const other = Dialog.asUac(tx.request, res, host.contactFor(target.protocol, target.address));
      if (other) byeDialog(host, target, other, res);
    };
  }

  protected override finish(): void {
    if (this.finished) return;
    super.finish();
    this.detachFromTransaction();
  }

  private dialogFor(res: SipResponse): Dialog | undefined {
    const tag = getToTag(res);
    if (tag === undefined || !this.invite) return undefined;
    if (this.dialog && this.dialog.remoteTag === tag) return this.dialog;
    let d = this.early.get(tag);
    if (!d) {
      d = Dialog.asUac(this.invite, res, this.host.contactFor(this.target.protocol, this.target.address));
      if (!d) return undefined;
      this.early.set(tag, d);
      this.host.dialogs.add(d, this);
    }
    return d;
  }

  private onProvisional(res: SipResponse): void {
    if (res.status === 100) {
      this.provisional = true;
      this.maybeCancel();
      return;
    }
    this.provisional = true;
    if (this.maybeCancel()) return;
    const d = this.dialogFor(res);
    if (d && !this.dialog) this.dialog = d;
    const ch = this.channel;
    if (!ch.up) return;
    const sdp = sdpBody(res);
    if (sdp && sdp !== 'invalid' && !this.legMedia.negotiated) {
      const r = this.legMedia.acceptAnswer(sdp);
      if (r.ok) {
        this.legMedia.setCodecVariables(ch);
        ch.markPreAnswered();
        return;
      }
      this.log.warn({ detail: r.detail }, 'early media SDP matches nothing we offered; ignored');
    }
    if (res.status === 180 || (res.status === 183 && !this.legMedia.negotiated)) ch.markRinging();
    else if (this.legMedia.negotiated) ch.markPreAnswered();
  }

  /** Send the CANCEL we owe (hung up before any provisional). True when sent now. */
  private maybeCancel(): boolean {
    if (this.wantCancel === undefined || this.cancelSent || !this.invite) return false;
    this.sendCancel(this.wantCancel);
    return true;
  }

  private sendCancel(cause: HangupCause): void {
    if (this.cancelSent || !this.invite) return;
    this.cancelSent = true;
    const cancel = makeCancel(this.invite);
    for (const [k, v] of this.reasonHeaders(cause)) cancel.headers.append(k, v);
    try {
      this.host.stack.sendRequest(cancel, this.target, {});
    } catch (err) {
      this.log.debug({ err }, 'CANCEL not sent');
    }
    this.channel?.setVariable('sip_hangup_disposition', 'send_cancel');
  }

  private sendAck(d: Dialog, res: SipResponse): void {
    const sent = ackDialog(this.host, this.target, d, res);
    if (sent && getToTag(res) === this.answeredBy) this.ackSent = sent;
  }

  /** ACK and BYE a dialog we do not want (a 2xx after our CANCEL, a second fork). */
  private dropDialog(d: Dialog, res: SipResponse): void {
    if (byeDialog(this.host, this.target, d, res)) this.host.dialogs.remove(d);
  }

  private onFinal(res: SipResponse): void {
    if (res.status >= 300) return this.onFailure(res);
    const tag = getToTag(res);
    if (this.answeredBy !== undefined) {
      // A retransmitted 2xx: ACK it again. A 2xx of another fork: ACK and BYE it.
      const d = this.dialog;
      if (tag === this.answeredBy && d) this.sendAck(d, res);
      else {
        const other = this.invite ? Dialog.asUac(this.invite, res, this.host.contactFor(this.target.protocol, this.target.address)) : undefined;
        if (other) this.dropDialog(other, res);
      }
      return;
    }
    const d = this.dialogFor(res) ?? (this.invite ? Dialog.asUac(this.invite, res, this.host.contactFor(this.target.protocol, this.target.address)) : undefined);
    if (!d) {
      this.log.warn('2xx without To tag: cannot build a dialog');
      this.channel.hangup('PROTOCOL_ERROR');
      return;
    }
    this.answeredBy = d.remoteTag;
    d.confirm(res);
    if (this.dialog && this.dialog !== d) this.host.dialogs.remove(this.dialog);
    for (const [t, e] of this.early) if (e !== d) this.host.dialogs.remove(e), this.early.delete(t);
    this.dialog = d;
    this.host.dialogs.add(d, this);
    this.sendAck(d, res);
    // Accepted (RFC 6026): the layer's record still hands us retransmitted 2xx until Timer M, and
    // the state machine is only needed before an answer. Holding it for the call kept its last
    // response, the parsed 2xx with its SDP (~4 KB a call), alive as long.
    this.ict = undefined;
    const ch = this.channel;
    if (!ch.up || this.wantCancel !== undefined) {
      // The CANCEL lost the race (§15): end the call we did not want.
      this.sendBye(this.wantCancel ?? 'ORIGINATOR_CANCEL');
      return;
    }
    const sdp = sdpBody(res);
    if (sdp && sdp !== 'invalid') {
      const r = this.legMedia.acceptAnswer(sdp);
      if (!r.ok && !this.legMedia.negotiated) {
        this.log.error({ detail: r.detail }, 'CODEC NEGOTIATION ERROR in the answer');
        ch.setVariable('endpoint_disposition', 'CODEC NEGOTIATION ERROR');
        ch.hangup('INCOMPATIBLE_DESTINATION');
        return;
      }
    }
    ch.setVariable('sip_term_status', '200');
    this.legMedia.setCodecVariables(ch);
    this.applyInheritCodec();
    ch.markAnswered();
  }

  /** inherit_codec=true on the A leg: A will be answered with our codec if A offered it (§3.7). */
  private applyInheritCodec(): void {
    const a = this.originator;
    const mode = (a?.getVariable('inherit_codec') ?? '').toLowerCase();
    const codec = this.legMedia.negotiated?.codec;
    if (!a || !codec || (mode !== 'true' && mode !== 'passthru')) return;
    const aLeg = a.driver;
    const offer = aLeg instanceof SipLeg ? aLeg.initialOffer() : undefined;
    if (!offer || a.answered) return;
    const aOffered = offerCodecPrefs(offer);
    const list = inheritCodec(codec, aOffered);
    if (list) a.setVariable('absolute_codec_string', formatPrefs(list));
  }

  private onFailure(res: SipResponse): void {
    const ch = this.channel;
    const reason = res.headers.get('reason');
    const cause = sipStatusToCause(res.status, reason);
    this.remoteGone = true;
    for (const e of this.early.values()) this.host.dialogs.remove(e);
    if (!ch.up) return this.finish();
    ch.setVariable('sip_term_status', String(res.status));
    ch.setVariable('sip_invite_failure_status', String(res.status));
    ch.setVariable('sip_hangup_disposition', 'recv_refuse');
    // §8.3 passthrough: the A leg answers with this very status if the bridge fails for it.
    if (!this.cancelSent) this.originator?.setVariable('last_bridge_proto_specific_hangup_cause', `sip:${res.status}`);
    this.log.info({ status: res.status, cause }, 'outbound leg failed');
    ch.hangup(cause);
    this.finish();
  }

  private onNoResponse(kind: 'timeout' | 'transport'): void {
    const ch = this.channel;
    this.remoteGone = true;
    if (!ch?.up) return this.finish();
    ch.setVariable('sip_term_status', kind === 'timeout' ? '408' : '503');
    if (kind === 'timeout' && !this.cancelSent) this.originator?.setVariable('last_bridge_proto_specific_hangup_cause', 'sip:408');
    ch.hangup(kind === 'timeout' ? sipStatusToCause(408) : 'DESTINATION_OUT_OF_ORDER');
    this.finish();
  }

  async answer(): Promise<void> {}
  async preAnswer(): Promise<void> {}
  async ringReady(): Promise<void> {}

  hangup(cause: HangupCause): void {
    if (this.remoteGone) return this.finish();
    if (this.answeredBy === undefined) {
      // Not answered: CANCEL now if the INVITE got a provisional, else as soon as one comes.
      this.wantCancel = cause;
      if (this.provisional) this.sendCancel(cause);
      this.legMedia.close();
      // The transaction ends on its own (487 after the CANCEL, or Timer B); keep the leg indexed
      // until then so a racing 2xx can be ACKed and BYEd.
      const t = this.ict;
      if (!t || t.terminated) this.finish();
      return;
    }
    this.sendBye(cause);
    if (!this.byeSent) this.finish();
    else this.legMedia.close();
  }

  /** A 2xx retransmitted after the INVITE transaction ended (§13.2.2.4): ACK it again. */
  reAck(res: SipResponse): void {
    if (this.dialog && getToTag(res) === this.answeredBy) this.sendAck(this.dialog, res);
  }

  /** Outbound legs only: after their transaction ends with no dialog left, forget them. */
  onInviteTerminated(): void {
    if (this.answeredBy === undefined && (!this.channel || !this.channel.up)) this.finish();
  }
}


/** ACK a 2xx of dialog `d` (§13.2.2.4). */
function ackDialog(host: LegHost, fallback: SendTarget, d: Dialog, res: SipResponse): SentMessage | undefined {
  const seq = getCSeq(res)?.seq;
  const target = dialogTarget(d, fallback);
  if (seq === undefined || !target) return undefined;
  try {
    return host.stack.sendAck(d.createAck(seq, { headers: host.commonHeaders() }), target);
  } catch (err) {
    host.log.debug({ err }, 'ACK not sent');
    return undefined;
  }
}

/**
 * ACK and BYE a dialog nobody wants (a 2xx after our CANCEL, a second fork, a late 2xx). False
 * when there was no BYE to send (no target, dialog already terminated).
 */
function byeDialog(host: LegHost, fallback: SendTarget, d: Dialog, res: SipResponse): boolean {
  ackDialog(host, fallback, d, res);
  const target = dialogTarget(d, fallback);
  if (!target || d.state === 'terminated') return false;
  try {
    host.stack.sendRequest(d.createRequest('BYE', { headers: host.commonHeaders() }), target, {});
  } catch (err) {
    host.log.debug({ err }, 'BYE not sent');
  }
  d.terminate();
  return true;
}
