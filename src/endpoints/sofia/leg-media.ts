/**
 * One call leg's media as the sofia endpoint sees it: the RTP session (src/media), the SDP
 * offer/answer state (src/sdp) and the MediaHandle the core and apps use (bridge, echo,
 * playback, capture).
 *
 *   answerOffer(offer)   remote offer -> negotiate (policy, prefs) -> our answer     RFC 3264 §6
 *   makeOffer(prefs)     our offer (B leg INVITE, re-INVITE, 2xx to a bodiless INVITE) §5
 *   acceptAnswer(answer) the remote's answer to our pending offer                     §7
 *   apply()              negotiated codec, PTs, remote address and direction into the session
 *
 * Our o= line keeps its session id; its version goes up by one whenever our SDP changes
 * (RFC 3264 §8). The session is allocated lazily (the first time we need a port in our SDP) from
 * the switch's RTP port range on the profile's rtp-ip.
 */
import type { Channel, L16Source, MediaHandle, MediaLink } from '../../core';
import type { CodecDescription } from '../../codec';
import {
  defaultCodecs,
  LegCapture,
  LegPlayer,
  MediaBridge,
  RtpSession,
  startEcho,
  type DtmfEvent,
  type MediaBridgeStats,
  type PortAllocator,
  type RtpSessionStats,
} from '../../media';
import {
  buildOffer,
  negotiate,
  processAnswer,
  serializeSdp,
  type AnswerResult,
  type Direction,
  type LocalCodecPref,
  type NegotiatedAudio,
  type NegotiationPolicy,
  type NegotiationResult,
  type SessionDescription,
} from '../../sdp';
import type { Clock } from '../../util/clock';
import type { Logger } from '../../util/logger';
import { describeNegotiated, hasImplementation, setCodecVariables } from './codec-prefs';

export interface LegMediaOptions {
  allocator: PortAllocator;
  /** Address the RTP socket binds to (profile rtp-ip). */
  bindIp: string;
  /** Address written into our SDP (rtp-ip, or ext-rtp-ip for peers outside local-network-acl). */
  sdpIp: string;
  clock: Clock;
  log: Logger;
  mediaTimeoutMs: number;
  holdTimeoutMs: number;
  dtmfType: 'rfc2833' | 'info' | 'none';
  rfc2833Pt: number;
  suppressCng: boolean;
  liberalDtmf: boolean;
  /** IP the leg's signalling comes from (latching trusts it like the SDP address). */
  signalingIp?: string;
}

/**
 * The callbacks a leg gives its media (LegMediaOptions come from the profile). The leg object
 * itself implements them: no hook object and closures per leg.
 */
export interface LegMediaHooks {
  onMediaTimeout(hold: boolean): void;
  onMediaDtmf(digit: string, durationMs: number): void;
  /** A media bridge was set up with this leg: relay, transcode or idle. */
  onMediaBridged?(mode: string): void;
  /** The session is closing: its final statistics. */
  onMediaClosed?(stats: RtpSessionStats): void;
}

/**
 * A logger whose child() returns itself: RtpSession makes a pino child per session (~tens of µs)
 * for lines it writes at debug only. Sessions of one profile share the profile's bindings instead.
 */
const flatLoggers = new WeakMap<Logger, Logger>();
function flatLogger(base: Logger): Logger {
  let l = flatLoggers.get(base);
  if (!l) {
    const flat = Object.create(base) as Logger;
    Object.defineProperty(flat, 'child', { value: () => flat });
    l = flat;
    flatLoggers.set(base, l);
  }
  return l;
}

export class LegMedia {
  session: RtpSession | undefined;
  negotiated: NegotiatedAudio | undefined;
  /** The last SDP we sent, and the last we received. */
  localSdp: SessionDescription | undefined;
  remoteSdp: SessionDescription | undefined;
  /** Our offer awaiting an answer (RFC 3264: one offer outstanding at a time). */
  pendingOffer: SessionDescription | undefined;
  /** The remote currently holds us (its last offer was sendonly/inactive/0.0.0.0). */
  remoteHeld = false;
  /** We hold the remote (our last offer was sendonly/inactive). */
  localHold: Direction | undefined;
  private sessionPromise: Promise<RtpSession> | undefined;
  private description: CodecDescription | undefined;
  private closed = false;
  readonly handle: SofiaMediaHandle;

  constructor(
    private readonly o: LegMediaOptions,
    private readonly hooks: LegMediaHooks,
  ) {
    this.handle = new SofiaMediaHandle(this);
  }

  get clock(): Clock {
    return this.o.clock;
  }

  /** The media plane's description of the negotiated codec. */
  get codec(): CodecDescription | undefined {
    return this.description;
  }

  /** Allocate the RTP session once (control plane: throws MEDIA_PORTS_EXHAUSTED). */
  ensureSession(): Promise<RtpSession> {
    if (this.session) return Promise.resolve(this.session);
    this.sessionPromise ??= RtpSession.create(
      this.o.allocator,
      { clock: this.o.clock, mediaTimeoutMs: this.o.mediaTimeoutMs, holdTimeoutMs: this.o.holdTimeoutMs, logger: flatLogger(this.o.log) },
      this.o.bindIp,
    ).then((s) => {
      if (this.closed) {
        s.close();
        throw new Error('leg closed while allocating media');
      }
      this.session = s;
      s.on('timeout', (t) => this.onRtpTimeout(t));
      s.on('dtmf', (e) => this.onRtpDtmf(e));
      return s;
    });
    return this.sessionPromise;
  }

  /** The session's media timeout. */
  private onRtpTimeout(t: { idleMs: number; hold: boolean }): void {
    this.hooks.onMediaTimeout(t.hold);
  }

  /** An RFC 4733 event from the session; the leg hears of each finished digit. */
  private onRtpDtmf(e: DtmfEvent): void {
    if (e.end && e.digit) this.hooks.onMediaDtmf(e.digit, e.durationMs);
  }

  /** Our last SDP as the bytes we sent (serialized once per SDP). */
  localBody: Buffer = Buffer.alloc(0);
  private localText = '';

  /**
   * RFC 3264 §8: our o= keeps its username and session id; the version goes up by one when the
   * description changed and stays when it did not. The SDP objects here are freshly built by
   * negotiate/buildOffer (ours to edit), so no copy is made.
   */
  private stamp(sdp: SessionDescription): SessionDescription {
    const prev = this.localSdp;
    let text: string;
    if (prev) {
      const o = sdp.origin;
      o.username = prev.origin.username;
      o.sessionId = prev.origin.sessionId;
      o.sessionVersion = prev.origin.sessionVersion;
      text = serializeSdp(sdp);
      if (text !== this.localText) {
        o.sessionVersion = (BigInt(prev.origin.sessionVersion) + 1n).toString();
        text = serializeSdp(sdp);
      }
    } else {
      text = serializeSdp(sdp);
    }
    this.localSdp = sdp;
    this.localText = text;
    this.localBody = Buffer.from(text);
    return sdp;
  }

  /** Negotiate a remote offer (initial INVITE, re-INVITE, UPDATE). Needs the session (our port). */
  answerOffer(
    offer: SessionDescription,
    prefs: readonly LocalCodecPref[],
    policy: NegotiationPolicy,
    opts: { localDirection?: Direction; keepCodec?: boolean } = {},
  ): NegotiationResult {
    const port = this.session?.localPort ?? 9;
    const r = negotiate({
      offer,
      localPrefs: prefs,
      policy,
      localIp: this.o.sdpIp,
      localPort: port,
      origin: this.localSdp ? { username: this.localSdp.origin.username, sessionId: this.localSdp.origin.sessionId } : undefined,
      localDirection: opts.localDirection ?? this.localHold ?? 'sendrecv',
      dtmfType: this.o.dtmfType,
      rfc2833Pt: this.o.rfc2833Pt,
      liberalDtmf: this.o.liberalDtmf,
      suppressCng: this.o.suppressCng,
      hasImplementation,
      keepCodec: opts.keepCodec ? this.negotiated?.codec : undefined,
    });
    this.remoteSdp = offer;
    if (!r.ok) return r;
    const answer = this.stamp(r.answer);
    this.negotiated = r.audio;
    this.remoteHeld = r.audio.hold.held;
    this.apply();
    return { ...r, answer };
  }

  /** Build our offer from `prefs` (and remember it until the answer arrives). */
  makeOffer(prefs: readonly LocalCodecPref[], direction: Direction = this.localHold ?? 'sendrecv'): SessionDescription {
    const built = buildOffer({
      prefs,
      localPort: this.session?.localPort ?? 9,
      localIp: this.o.sdpIp,
      origin: this.localSdp ? { username: this.localSdp.origin.username, sessionId: this.localSdp.origin.sessionId } : undefined,
      direction,
      dtmfType: this.o.dtmfType,
      rfc2833Pt: this.o.rfc2833Pt,
      suppressCng: this.o.suppressCng,
    });
    const sdp = this.stamp(built.sdp);
    this.pendingOffer = sdp;
    return sdp;
  }

  /** The remote's answer to our pending offer. */
  acceptAnswer(answer: SessionDescription): AnswerResult {
    const offer = this.pendingOffer ?? this.localSdp;
    if (!offer) return { ok: false, status: 488, q850: 88, cause: 'INCOMPATIBLE_DESTINATION', reason: '', detail: 'answer without an offer' };
    const r = processAnswer({
      offer,
      answer,
      dtmfType: this.o.dtmfType,
      liberalDtmf: this.o.liberalDtmf,
      rfc2833Pt: this.o.rfc2833Pt,
      hasImplementation,
    });
    this.remoteSdp = answer;
    if (!r.ok) return r;
    this.pendingOffer = undefined;
    this.negotiated = r.audio;
    this.remoteHeld = r.audio.hold.held;
    this.apply();
    return r;
  }

  /** Push the negotiated state into the RTP session (data plane setters never throw). */
  private apply(): void {
    const a = this.negotiated;
    const s = this.session;
    if (!a) return;
    this.description = describeNegotiated(a.codec);
    if (!s) return;
    const te = a.dtmf.type === 'rfc2833' ? a.telephoneEvent : undefined;
    s.setMedia({
      codec: this.description,
      pt: a.codec.pt,
      recvPt: a.codec.pt,
      dtmfPt: te?.pt,
      dtmfRecvPt: te ? (a.dtmf.recvPts[0] ?? te.pt) : undefined,
      dtmfClockRate: te?.clockRate,
    });
    s.setRemote({ address: a.remote.address, port: a.remote.port, rtcpPort: a.remote.rtcpPort, signalingAddress: this.o.signalingIp });
    s.setDirection(a.direction);
    s.setHold(this.remoteHeld);
  }

  /** Channel variables for the negotiated codec (FreeSWITCH names). */
  setCodecVariables(ch: Channel): void {
    const a = this.negotiated;
    if (!a || !this.description) return;
    setCodecVariables(ch, a.codec, this.description);
    if (a.dtmf.type === 'rfc2833' && a.telephoneEvent) {
      ch.setVariable('rtp_2833_send_payload', String(a.telephoneEvent.pt));
      ch.setVariable('rtp_2833_recv_payload', String(a.dtmf.recvPts[0] ?? a.telephoneEvent.pt));
    }
    ch.setVariable('dtmf_type', a.dtmf.type);
    if (this.session) {
      ch.setVariable('local_media_ip', this.o.sdpIp);
      ch.setVariable('local_media_port', String(this.session.localPort));
    }
    ch.setVariable('remote_media_ip', a.remote.address);
    ch.setVariable('remote_media_port', String(a.remote.port));
  }

  /** @internal */
  bridged(mode: string): void {
    this.hooks.onMediaBridged?.(mode);
  }

  /** Idempotent: closes the RTP session and releases its ports. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.handle.closeAll();
    const s = this.session;
    if (s) {
      try {
        this.hooks.onMediaClosed?.(s.stats());
      } catch {
        // observers never stop the teardown
      }
      s.close();
    }
  }
}

/** The MediaHandle the core sees for a sofia leg (core/media-handle.ts). */
export class SofiaMediaHandle implements MediaHandle {
  /** The last media bridge this handle set up (tests read its stats: relay vs transcode). */
  lastBridge: MediaBridge | undefined;
  /** Made by the first bridge/echo/play/capture: most legs of a signalling-only call never get one. */
  private links: Set<MediaLink> | undefined;

  constructor(readonly leg: LegMedia) {}

  get codec(): CodecDescription | undefined {
    return this.leg.codec;
  }

  bridgeStats(): MediaBridgeStats | undefined {
    return this.lastBridge?.stats();
  }

  private track(close: () => void): MediaLink {
    let done = false;
    const link: MediaLink = {
      close: () => {
        if (done) return;
        done = true;
        this.links?.delete(link);
        close();
      },
    };
    (this.links ??= new Set()).add(link);
    return link;
  }

  bridge(other: MediaHandle): MediaLink {
    const a = this.leg.session;
    const b = other instanceof SofiaMediaHandle ? other.leg.session : undefined;
    if (!a || !b) return this.track(() => {});
    const mb = new MediaBridge(a, b, { codecs: defaultCodecs, clock: this.leg.clock });
    this.lastBridge = mb;
    this.leg.bridged(mb.mode);
    if (other instanceof SofiaMediaHandle) {
      other.lastBridge = mb;
      other.leg.bridged(mb.mode);
    }
    return this.track(() => mb.close());
  }

  echo(): MediaLink {
    const s = this.leg.session;
    if (!s || !s.media) return this.track(() => {});
    const e = startEcho(s);
    return this.track(() => e.stop());
  }

  async play(source: L16Source, signal: AbortSignal): Promise<void> {
    const s = this.leg.session;
    if (!s || !s.media || signal.aborted) return;
    let player: LegPlayer;
    try {
      player = new LegPlayer(s, defaultCodecs, this.leg.clock);
    } catch {
      return;
    }
    const link = this.track(() => player.close());
    const onAbort = (): void => player.stop();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await player.play(source);
    } finally {
      signal.removeEventListener('abort', onAbort);
      link.close();
    }
  }

  onAudio(listener: (pcm: Int16Array, sampleRate: number) => void): () => void {
    const s = this.leg.session;
    if (!s || !s.media) return () => {};
    const cap = new LegCapture(s, defaultCodecs, listener, { clock: this.leg.clock });
    const link = this.track(() => cap.close());
    return () => link.close();
  }

  /** Close every bridge, echo, player and capture this handle started. */
  closeAll(): void {
    const links = this.links;
    if (links === undefined || links.size === 0) return;
    for (const l of [...links]) l.close();
  }
}
