/**
 * One RTP session per call leg: an RTP/RTCP socket pair, the remote address from SDP (changeable),
 * latching (latching.ts), per-stream statistics (RFC 3550 A.1/A.3/A.8), RFC 4733 event parsing and
 * generation, RTCP SR/RR and the media timeout.
 *
 * Receive path (per packet, no allocation, no throw):
 *   datagram -> parse header (drop+count malformed) -> direction check -> PT class
 *   -> latch check (drop+count wrong source) -> SSRC / sequence accounting (drop duplicates)
 *   -> telephone-event parsing -> sink (bridge / echo / capture) and taps.
 * Send path: sendRtpPacket() for relayed packets (header already rewritten), sendPayload() for
 * generated ones. One outbound stream (one SSRC) per session, shared by whoever produces media; a
 * producer "claims" it and re-synchronises sequence and timestamp when it was someone else's.
 */
import type { Socket, RemoteInfo } from 'node:dgram';
import { realClock, type Clock, type TimerHandle } from '../util/clock';
import { TypedEmitter } from '../util/events';
import { token } from '../util/ids';
import { logger as rootLogger, type Logger } from '../util/logger';
import { planDtmfPackets, dtmfCode, DtmfReceiver, writeTelephoneEvent, type DtmfEvent } from './dtmf';
import { LatchVerdict, SourceLatch, DEFAULT_LATCHING, type LatchingPolicy, type TransportAddress } from './latching';
import { MediaTimeoutWatch } from './media-timeout';
import type { PortAllocator, PortPair } from './port-allocator';
import { ReceiveStats, SeqVerdict } from './receive-stats';
import { buildRtcpReport, isValidRtcpCompound, ntpFromUnixMs, ntpMiddle32, parseRtcp, randomizedInterval } from './rtcp';
import { buildRtpPacket, parseRtpHeader, RtpHeader, RtpParseError, seqDiff } from './rtp-packet';
import { RtpSender } from './rtp-sender';
import { PacketKind, type PacketKindCode, type InboundStats, type LegMedia, type MediaDirection, type OutboundStats, type PacketSink, type RtpSessionStats } from './types';

export interface RtpSessionOptions {
  clock?: Clock;
  latching?: Partial<LatchingPolicy>;
  /** media_timeout in ms (0 = off). */
  mediaTimeoutMs?: number;
  /** media_hold_timeout in ms; default 10 × mediaTimeoutMs (FreeSWITCH). */
  holdTimeoutMs?: number;
  /** Nominal RTCP report interval (RFC 3550 §6.2 suggests 5 s); 0 disables RTCP sending. */
  rtcpIntervalMs?: number;
  /** SDES CNAME; default a random token. */
  cname?: string;
  /** Our SSRC; default random. */
  ssrc?: number;
  logger?: Logger;
}

export interface RemoteMedia {
  address: string;
  port: number;
  /** RTCP port (SDP a=rtcp); default port + 1. */
  rtcpPort?: number;
  /**
   * The IP the leg's SIP signalling comes from (Via received / transport source). A phone behind
   * NAT sends RTP from it, so the latching policy trusts it like the SDP IP (latching.ts).
   */
  signalingAddress?: string;
}

export interface RtpSessionEvents {
  dtmf: [DtmfEvent];
  /** No accepted RTP for the configured time. */
  timeout: [{ idleMs: number; hold: boolean }];
  latched: [TransportAddress];
  mediaChanged: [LegMedia | undefined];
  remoteChanged: [RemoteMedia | undefined];
  closed: [];
}

const KIND_NONE = -1;
/** The taps list of a session without taps (copy-on-write: addTap and its remover make new arrays). */
const NO_TAPS: readonly PacketSink[] = [];

/**
 * The next RTCP report's delay: RFC 3550's randomized interval (0.5..1.5 x nominal), in steps of
 * 50 ms for nominal intervals of a second or more. Node keeps one timer list per distinct
 * duration; thousands of sessions with thousands of distinct durations cost a list (and a
 * priority-queue insert) each, while 50 ms steps still spread the reports over the interval.
 */
function rtcpDelay(nominalMs: number): number {
  const ms = randomizedInterval(nominalMs);
  if (nominalMs < 1000) return ms;
  return Math.min(1.5 * nominalMs, Math.max(0.5 * nominalMs, Math.round(ms / 50) * 50));
}

function sameLegMedia(a: LegMedia | undefined, b: LegMedia | undefined): boolean {
  if (!a || !b) return a === b;
  const x = a.codec;
  const y = b.codec;
  return (
    x.name === y.name && x.clockRate === y.clockRate && x.sampleRate === y.sampleRate && x.channels === y.channels &&
    x.ptime === y.ptime && x.bitrate === y.bitrate && x.fmtp === y.fmtp &&
    a.pt === b.pt && a.recvPt === b.recvPt && a.dtmfPt === b.dtmfPt && a.dtmfRecvPt === b.dtmfRecvPt &&
    a.dtmfClockRate === b.dtmfClockRate
  );
}

export class RtpSession extends TypedEmitter<RtpSessionEvents> {
  readonly id = token(6);
  readonly localAddress: string;
  readonly localPort: number;
  readonly localRtcpPort: number;
  readonly clock: Clock;
  readonly sender: RtpSender;
  /** SDES CNAME: the option, else made on first use (the first RTCP report). */
  private _cname: string | undefined;

  private readonly rtpSocket: Socket;
  private readonly rtcpSocket: Socket;
  private readonly latch: SourceLatch;
  /**
   * The sub-objects only media needs are made on first use: a call whose legs never carry RTP
   * (signalling-only load, an unanswered B leg) pays for none of them. `rx` exists from the first
   * accepted packet on (it is the "receiving started" flag), `dtmfRx` from the first RFC 4733
   * packet, `timeoutWatch` from the first non-zero timeout.
   */
  private rx: ReceiveStats | undefined;
  private hdr: RtpHeader | undefined;
  /**
   * The two PTs we accept (-1: none): audio, and telephone-event (which wins if they are equal).
   * Two fields instead of a 128-entry PT table per session (allocating and filling that table
   * was the costliest line of the constructor).
   */
  private audioRecvPt = -1;
  private dtmfRecvPt = -1;
  private dtmfRx: DtmfReceiver | undefined;
  private timeoutWatch: MediaTimeoutWatch | undefined;
  private readonly log: Logger;
  private _media: LegMedia | undefined;
  private remote: RemoteMedia | undefined;
  private rtcpRemotePort = -1;
  private direction: MediaDirection = 'sendrecv';
  private canSend = true;
  private canReceive = true;
  private held = false;
  private mediaTimeoutMs: number;
  private holdTimeoutMs: number;
  private audioClockRate = 8000;
  private dtmfClockRate = 8000;
  private sink: PacketSink | null = null;
  private taps: readonly PacketSink[] = NO_TAPS;
  private lastRxAt: number;
  private lostPrev = 0;
  private expectedPrev = 0;
  private rtcpTimer: TimerHandle | undefined;
  private lastSrMiddle = 0;
  private lastSrAt = -1;
  private dtmfQueue: Promise<unknown> | undefined;
  /** A producer that holds the outbound stream alone (DTMF generation, playback); others are muted. */
  private exclusive: object | null = null;
  private dtmfActive = false;
  private closed = false;
  private readonly inStats: InboundStats;
  private readonly outStats: OutboundStats;

  /** Allocate a port pair and open a session on it. */
  static async create(allocator: PortAllocator, opts: RtpSessionOptions = {}, ip?: string): Promise<RtpSession> {
    const pair = await allocator.allocate(ip);
    return new RtpSession(pair, opts);
  }

  constructor(private readonly ports: PortPair, opts: RtpSessionOptions = {}) {
    super();
    this.clock = opts.clock ?? realClock;
    this.localAddress = ports.ip;
    this.localPort = ports.rtpPort;
    this.localRtcpPort = ports.rtcpPort;
    this.rtpSocket = ports.rtpSocket;
    this.rtcpSocket = ports.rtcpSocket;
    this._cname = opts.cname;
    this.log = (opts.logger ?? rootLogger).child({ mod: 'media.rtp', sid: this.id, port: this.localPort });
    this.latch = new SourceLatch(opts.latching ? { ...DEFAULT_LATCHING, ...opts.latching } : DEFAULT_LATCHING);
    this.latch.onLatch = this.onLatch;
    this.sender = new RtpSender(opts.ssrc, this.clock.now());
    this.mediaTimeoutMs = opts.mediaTimeoutMs ?? 0;
    this.holdTimeoutMs = opts.holdTimeoutMs ?? this.mediaTimeoutMs * 10;
    this.lastRxAt = this.clock.now();
    this.inStats = {
      ssrc: 0, datagrams: 0, packets: 0, bytes: 0, payloadBytes: 0, lost: 0, expected: 0, jitterMs: 0, outOfOrder: 0,
      duplicates: 0, seqJumps: 0, ssrcChanges: 0, dtmfPackets: 0, dtmfEvents: 0, droppedMalformed: 0,
      droppedWrongSource: 0, droppedLearning: 0, droppedUnknownPt: 0, droppedInactive: 0,
      rtcpPackets: 0, rtcpMalformed: 0, rtcpWrongSource: 0, sinkErrors: 0,
    };
    this.outStats = {
      ssrc: this.sender.ssrc, packets: 0, bytes: 0, payloadBytes: 0, dtmfPackets: 0, droppedNoRemote: 0,
      droppedInactive: 0, suppressed: 0, sendErrors: 0, rtcpSent: 0,
    };
    this.rtpSocket.on('message', this.onRtp);
    this.rtcpSocket.on('message', this.onRtcp);
    this.rtpSocket.on('error', this.onSockError);
    this.rtcpSocket.on('error', this.onSockError);
    this.configureTimeout(this.mediaTimeoutMs);
    const rtcpMs = opts.rtcpIntervalMs ?? 5000;
    if (rtcpMs > 0) this.scheduleRtcp(rtcpMs);
  }

  private readonly onLatch = (a: TransportAddress): void => {
    this.log.debug({ address: a.address, port: a.port }, 'latched media source');
    this.emit('latched', { address: a.address, port: a.port });
  };

  private readonly onSockError = (err: Error): void => {
    this.outStats.sendErrors++;
    this.log.debug({ err }, 'socket error');
  };

  /** (Re)start the media timeout watch; 0 disables it (and makes none when there is none yet). */
  private configureTimeout(ms: number): void {
    let w = this.timeoutWatch;
    if (w === undefined) {
      // A closed session never watches again (an existing watch is stopped and ignores configure).
      if (!(ms > 0) || this.closed) return;
      w = this.timeoutWatch = new MediaTimeoutWatch(this.clock, () => this.lastRxAt, (idleMs) => {
        this.dtmfRx?.flush(this.dtmfClockRate);
        this.emit('timeout', { idleMs, hold: this.held });
      });
    }
    w.configure(ms);
  }

  private dtmfReceiver(): DtmfReceiver {
    let d = this.dtmfRx;
    if (d === undefined) {
      const rx = (d = this.dtmfRx = new DtmfReceiver((e) => {
        this.inStats.dtmfEvents = rx.events;
        this.emit('dtmf', e);
      }));
    }
    return d;
  }

  get cname(): string {
    return (this._cname ??= `strowger-${token(6)}`);
  }

  get media(): LegMedia | undefined {
    return this._media;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** True while an RFC 4733 event generated by sendDtmf() is on the wire. */
  get sendingDtmf(): boolean {
    return this.dtmfActive;
  }

  /**
   * Give `owner` the outbound stream alone (playback over a bridged leg replaces the partner's
   * audio, as FreeSWITCH's broadcast does): other producers' sends are muted and counted until
   * release. DTMF generation takes it over temporarily and hands it back.
   */
  acquireExclusive(owner: object): void {
    this.exclusive = owner;
  }

  releaseExclusive(owner: object): void {
    if (this.exclusive === owner) this.exclusive = null;
  }

  /** Set the negotiated codec and PTs (after offer/answer, again after a re-INVITE). */
  setMedia(media: LegMedia | undefined): void {
    // A re-INVITE that changes nothing (hold/unhold, session refresh) must not re-set a bridge.
    if (sameLegMedia(media, this._media)) return;
    this.audioRecvPt = -1;
    this.dtmfRecvPt = -1;
    this._media = media ? { ...media, codec: { ...media.codec } } : undefined;
    if (media) {
      this.audioRecvPt = (media.recvPt ?? media.pt) & 0x7f;
      const dtmfRecv = media.dtmfRecvPt ?? media.dtmfPt;
      if (dtmfRecv !== undefined) this.dtmfRecvPt = dtmfRecv & 0x7f;
      this.audioClockRate = media.codec.clockRate;
      this.dtmfClockRate = media.dtmfClockRate ?? media.codec.clockRate;
    }
    this.emit('mediaChanged', this._media);
  }

  /** Set the remote address from SDP. A different address restarts latching (latching.ts). */
  setRemote(remote: RemoteMedia | undefined): void {
    // RFC 3264 §5.1/§6: port 0 means the stream is disabled: no remote to send to.
    if (remote && !(Number.isInteger(remote.port) && remote.port > 0 && remote.port < 65536)) remote = undefined;
    this.remote = remote ? { ...remote } : undefined;
    this.rtcpRemotePort = -1;
    this.latch.setExpected(remote ? { address: remote.address, port: remote.port } : undefined, remote?.signalingAddress);
    this.emit('remoteChanged', this.remote);
  }

  setDirection(direction: MediaDirection): void {
    this.direction = direction;
    this.canSend = direction === 'sendrecv' || direction === 'sendonly';
    this.canReceive = direction === 'sendrecv' || direction === 'recvonly';
  }

  getDirection(): MediaDirection {
    return this.direction;
  }

  /** On hold the hold timeout applies instead of the media timeout (behaviour doc §4.3). */
  setHold(held: boolean): void {
    if (held === this.held) return;
    this.held = held;
    this.lastRxAt = this.clock.now();
    this.configureTimeout(held ? this.holdTimeoutMs : this.mediaTimeoutMs);
  }

  setTimeouts(t: { mediaTimeoutMs?: number; holdTimeoutMs?: number }): void {
    if (t.mediaTimeoutMs !== undefined) this.mediaTimeoutMs = t.mediaTimeoutMs;
    if (t.holdTimeoutMs !== undefined) this.holdTimeoutMs = t.holdTimeoutMs;
    else if (t.mediaTimeoutMs !== undefined) this.holdTimeoutMs = t.mediaTimeoutMs * 10;
    this.lastRxAt = this.clock.now();
    this.configureTimeout(this.held ? this.holdTimeoutMs : this.mediaTimeoutMs);
  }

  /** The one consumer of accepted packets (bridge, echo, ...). null detaches. */
  setSink(sink: PacketSink | null): void {
    this.sink = sink;
  }

  /** Observers (recording, capture) that see every accepted packet too. Returns a remover. */
  addTap(tap: PacketSink): () => void {
    this.taps = [...this.taps, tap];
    return () => {
      this.taps = this.taps.filter((t) => t !== tap);
    };
  }

  /** Where media is sent now: the latched source, else the SDP address. */
  get target(): TransportAddress | undefined {
    return this.latch.target;
  }

  // ---------------------------------------------------------------- receive

  private readonly onRtp = (msg: Buffer, rinfo: RemoteInfo): void => {
    const st = this.inStats;
    const hdr = (this.hdr ??= new RtpHeader());
    const len = msg.length;
    st.datagrams++;
    if (parseRtpHeader(msg, len, hdr) !== RtpParseError.OK) {
      st.droppedMalformed++;
      return;
    }
    if (!this.canReceive) {
      st.droppedInactive++;
      return;
    }
    const now = this.clock.now();
    const pt = hdr.payloadType;
    const kind = pt === this.dtmfRecvPt ? PacketKind.DTMF : pt === this.audioRecvPt ? PacketKind.AUDIO : KIND_NONE;
    const v = this.latch.check(rinfo.address, rinfo.port, kind !== KIND_NONE, now);
    if (v !== LatchVerdict.ACCEPT) {
      if (v === LatchVerdict.WRONG_SOURCE) st.droppedWrongSource++;
      else st.droppedLearning++;
      return;
    }
    if (kind === KIND_NONE) {
      // From the right source but not a PT we negotiated (e.g. CN without SDP): media is alive.
      this.lastRxAt = now;
      st.droppedUnknownPt++;
      return;
    }
    let rx = this.rx;
    if (rx === undefined || hdr.ssrc !== rx.ssrc) rx = this.newSource(hdr.ssrc);
    const arrival = kind === PacketKind.AUDIO ? (now * this.audioClockRate) / 1000 : NaN;
    const verdict = rx.update(hdr.sequenceNumber, hdr.timestamp, arrival, hdr.payloadLength);
    if (verdict === SeqVerdict.DUPLICATE || verdict === SeqVerdict.JUMP) return;
    this.lastRxAt = now;
    st.packets++;
    st.bytes += len;
    st.payloadBytes += hdr.payloadLength;
    if (kind === PacketKind.DTMF) {
      st.dtmfPackets++;
      this.dtmfReceiver().handle(msg, hdr.payloadOffset, hdr.payloadLength, hdr.timestamp, this.dtmfClockRate);
    }
    const ext = rx.lastExtSeq;
    const k = kind as PacketKindCode;
    const sink = this.sink;
    // Data plane: a consumer bug must not unwind the socket's event loop callback.
    if (sink !== null) {
      try {
        sink(msg, hdr, k, ext, now);
      } catch (err) {
        this.consumerThrew(err);
      }
    }
    const taps = this.taps;
    for (let i = 0; i < taps.length; i++) {
      try {
        taps[i]!(msg, hdr, k, ext, now);
      } catch (err) {
        this.consumerThrew(err);
      }
    }
  };

  private consumerThrew(err: unknown): void {
    this.inStats.sinkErrors++;
    this.log.error({ err }, 'RTP packet consumer threw');
  }

  private newSource(ssrc: number): ReceiveStats {
    let rx = this.rx;
    if (rx !== undefined) {
      this.lostPrev += rx.lost;
      this.expectedPrev += rx.expected;
      this.inStats.ssrcChanges++;
      this.inStats.outOfOrder += rx.outOfOrder;
      this.inStats.duplicates += rx.duplicates;
      this.inStats.seqJumps += rx.seqJumps;
      this.log.debug({ from: rx.ssrc, to: ssrc }, 'inbound SSRC changed');
    } else {
      rx = this.rx = new ReceiveStats();
    }
    rx.reset(ssrc);
    return rx;
  }

  private readonly onRtcp = (msg: Buffer, rinfo: RemoteInfo): void => {
    const st = this.inStats;
    if (!isValidRtcpCompound(msg, msg.length)) {
      st.rtcpMalformed++;
      return;
    }
    // RTCP is accepted from the IP our RTP comes from (or the SDP IP before any latch).
    const src = this.latch.target;
    if (!src || src.address !== rinfo.address) {
      st.rtcpWrongSource++;
      return;
    }
    const parsed = parseRtcp(msg);
    if (!parsed) {
      st.rtcpMalformed++;
      return;
    }
    st.rtcpPackets++;
    this.rtcpRemotePort = rinfo.port;
    const sr = parsed.senderReports[0];
    if (sr) {
      this.lastSrMiddle = ntpMiddle32(sr.ntp);
      this.lastSrAt = this.clock.now();
    }
  };

  // ---------------------------------------------------------------- send

  /**
   * Take the outbound stream for `owner`. Returns true if it belonged to someone else (the caller
   * then re-synchronises its sequence/timestamp mapping from `sender`).
   */
  claimSender(owner: object): boolean {
    if (this.sender.owner === owner) return false;
    // While we generate an RFC 4733 event the stream is the generator's (other sends are muted).
    if (this.exclusive !== null && owner !== this.exclusive) return false;
    this.sender.owner = owner;
    return true;
  }

  /**
   * Send a packet whose header already carries our SSRC and the given seq/ts (relay path).
   * Drops and counts when there is nowhere or nothing to send; never throws.
   */
  sendRtpPacket(buf: Buffer, payloadLen: number, seq: number, ts: number, owner: object, now?: number): void {
    const out = this.outStats;
    if (this.closed) return;
    if (!this.canSend) {
      out.droppedInactive++;
      return;
    }
    if (this.exclusive !== null && owner !== this.exclusive) {
      out.suppressed++;
      return;
    }
    const target = this.latch.target;
    if (target === undefined) {
      out.droppedNoRemote++;
      return;
    }
    try {
      this.rtpSocket.send(buf, 0, buf.length, target.port, target.address);
    } catch (err) {
      out.sendErrors++;
      this.log.debug({ err }, 'RTP send failed');
      return;
    }
    const s = this.sender;
    if (seqDiff(seq, s.seq) > 0) {
      s.seq = seq;
      s.ts = ts;
    }
    s.lastSentAt = now ?? this.clock.now();
    s.packets++;
    s.octets += payloadLen;
    out.packets++;
    out.bytes += buf.length;
    out.payloadBytes += payloadLen;
  }

  /** Build and send one generated packet on the next sequence number. */
  sendPayload(payload: Uint8Array, pt: number, ts: number, marker: boolean, owner: object): void {
    if (this.closed) return;
    const seq = (this.sender.seq + 1) & 0xffff;
    const pkt = buildRtpPacket({ payloadType: pt, sequenceNumber: seq, timestamp: ts, ssrc: this.sender.ssrc, marker }, payload);
    this.sendRtpPacket(pkt, payload.length, seq, ts, owner);
  }

  /**
   * Generate RFC 4733 events for `digits` ('0'-'9', '*', '#', 'A'-'D'; 'w' = 500 ms pause,
   * 'W' = 1 s; other characters are skipped, as FreeSWITCH does). Audio on this session is muted
   * while an event is on the wire. Resolves with the number of digits sent; 0 if the leg has no
   * telephone-event PT. Calls queue behind each other.
   */
  sendDtmf(digits: string, opts: { durationMs?: number; gapMs?: number; volume?: number } = {}): Promise<number> {
    const run = (this.dtmfQueue ?? Promise.resolve()).then(() => this.runDtmf(digits, opts));
    this.dtmfQueue = run.catch(() => 0);
    return run;
  }

  private async runDtmf(digits: string, opts: { durationMs?: number; gapMs?: number; volume?: number }): Promise<number> {
    const media = this._media;
    if (!media || media.dtmfPt === undefined) return 0;
    const durationMs = opts.durationMs ?? 100;
    const gapMs = opts.gapMs ?? 50;
    const interval = media.codec.ptime > 0 ? media.codec.ptime : 20;
    let sent = 0;
    for (const ch of digits) {
      if (this.closed) break;
      if (ch === 'w' || ch === 'W') {
        await this.sleep(ch === 'w' ? 500 : 1000);
        continue;
      }
      const code = dtmfCode(ch);
      if (code < 0) continue;
      const owner = {};
      const previous = this.exclusive;
      this.exclusive = owner;
      this.dtmfActive = true;
      this.claimSender(owner);
      const frameTs = Math.round((interval * this.audioClockRate) / 1000);
      const eventStart = this.clock.now();
      const ts = this.sender.timestampAfterGap(eventStart, this.audioClockRate, frameTs);
      const plan = planDtmfPackets(code, durationMs, interval, this.dtmfClockRate, opts.volume ?? 10);
      let elapsed = 0;
      for (const step of plan) {
        if (this.closed) break;
        if (step.atMs > elapsed) {
          await this.sleep(step.atMs - elapsed);
          elapsed = step.atMs;
        }
        const payload = new Uint8Array(4);
        writeTelephoneEvent(payload, 0, step.payload);
        this.sendPayload(payload, media.dtmfPt, ts, step.marker, owner);
        this.outStats.dtmfPackets++;
      }
      // All packets carried the event's start timestamp: re-anchor the stream there, so whoever
      // sends next continues at start + elapsed time, after the event.
      this.sender.ts = ts;
      this.sender.lastSentAt = eventStart;
      this.dtmfActive = false;
      if (this.exclusive === owner) this.exclusive = previous;
      sent++;
      if (gapMs > 0) await this.sleep(gapMs);
    }
    return sent;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.clock.setTimeout(resolve, ms));
  }

  // ---------------------------------------------------------------- RTCP

  private scheduleRtcp(nominalMs: number): void {
    this.rtcpTimer = this.clock.setTimeout(() => {
      if (this.closed) return;
      this.sendRtcpReport();
      this.scheduleRtcp(nominalMs);
    }, rtcpDelay(nominalMs));
  }

  /** Send one SR/RR + SDES compound packet now (also called by the timer). */
  sendRtcpReport(): void {
    const target = this.latch.target;
    if (this.closed || !target || !this.canSend) return;
    const s = this.sender;
    const sentSinceLast = s.packets !== s.packetsAtLastReport;
    s.packetsAtLastReport = s.packets;
    const sender = sentSinceLast
      ? { ntp: ntpFromUnixMs(this.clock.wallNow()), rtpTimestamp: s.timestampAfterGap(this.clock.now(), this.audioClockRate), packetCount: s.packets, octetCount: s.octets }
      : undefined;
    const blocks = [];
    const rx = this.rx;
    if (rx !== undefined && rx.received > 0) {
      const dlsr = this.lastSrAt >= 0 ? Math.round(((this.clock.now() - this.lastSrAt) / 1000) * 65536) : 0;
      blocks.push({
        ssrc: rx.ssrc,
        fractionLost: rx.takeFractionLost(),
        packetsLost: rx.lost,
        highestSequence: rx.extendedMax,
        jitter: rx.jitter,
        lsr: this.lastSrAt >= 0 ? this.lastSrMiddle : 0,
        dlsr: this.lastSrAt >= 0 ? dlsr : 0,
      });
    }
    const pkt = buildRtcpReport(s.ssrc, this.cname, sender, blocks);
    const port = this.rtcpRemotePort > 0 ? this.rtcpRemotePort : this.remote?.rtcpPort ?? target.port + 1;
    try {
      this.rtcpSocket.send(pkt, port, target.address);
    } catch (err) {
      this.outStats.sendErrors++;
      this.log.debug({ err }, 'RTCP send failed');
      return;
    }
    this.outStats.rtcpSent++;
  }

  // ---------------------------------------------------------------- stats, close

  stats(): RtpSessionStats {
    const rx = this.rx;
    const s = this.inStats;
    // Written out field by field, in InboundStats order: a spread of this many properties is
    // V8's slow path, and stats() runs at every session close (rtp_audio_* variables).
    const inS: InboundStats = {
      ssrc: rx ? rx.ssrc : 0,
      datagrams: s.datagrams,
      packets: s.packets,
      bytes: s.bytes,
      payloadBytes: s.payloadBytes,
      lost: this.lostPrev + (rx ? rx.lost : 0),
      expected: this.expectedPrev + (rx ? rx.expected : 0),
      jitterMs: rx ? (rx.jitter * 1000) / this.audioClockRate : 0,
      outOfOrder: s.outOfOrder + (rx ? rx.outOfOrder : 0),
      duplicates: s.duplicates + (rx ? rx.duplicates : 0),
      seqJumps: s.seqJumps + (rx ? rx.seqJumps : 0),
      ssrcChanges: s.ssrcChanges,
      dtmfPackets: s.dtmfPackets,
      dtmfEvents: this.dtmfRx ? this.dtmfRx.events : 0,
      droppedMalformed: s.droppedMalformed,
      droppedWrongSource: s.droppedWrongSource,
      droppedLearning: s.droppedLearning,
      droppedUnknownPt: s.droppedUnknownPt,
      droppedInactive: s.droppedInactive,
      rtcpPackets: s.rtcpPackets,
      rtcpMalformed: s.rtcpMalformed,
      rtcpWrongSource: s.rtcpWrongSource,
      sinkErrors: s.sinkErrors,
    };
    const o = this.outStats;
    const out: OutboundStats = {
      ssrc: this.sender.ssrc,
      packets: o.packets,
      bytes: o.bytes,
      payloadBytes: o.payloadBytes,
      dtmfPackets: o.dtmfPackets,
      droppedNoRemote: o.droppedNoRemote,
      droppedInactive: o.droppedInactive,
      suppressed: o.suppressed,
      sendErrors: o.sendErrors,
      rtcpSent: o.rtcpSent,
    };
    const latched = this.latch.latchedSource;
    return {
      localAddress: this.localAddress,
      localPort: this.localPort,
      remote: this.remote ? { address: this.remote.address, port: this.remote.port } : undefined,
      latched: latched ? { address: latched.address, port: latched.port } : undefined,
      in: inS,
      out,
    };
  }

  /** Idempotent: stops timers, closes the sockets and releases the port pair. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.timeoutWatch?.stop();
    this.rtcpTimer?.cancel();
    this.rtcpTimer = undefined;
    this.dtmfRx?.flush(this.dtmfClockRate);
    this.sink = null;
    this.taps = NO_TAPS;
    this.rtpSocket.off('message', this.onRtp);
    this.rtcpSocket.off('message', this.onRtcp);
    this.ports.release();
    this.emit('closed');
    this.removeAllListeners();
  }
}
