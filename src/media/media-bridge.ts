/**
 * Joins the media of two legs. Picks, per the behaviour doc §3.7 ("passthrough vs transcoding"):
 *   relay      both legs negotiated the same codec implementation: name, RTP clock rate, channels
 *              and ptime equal. Payloads pass untouched (relay.ts); PTs may still differ.
 *   transcode  anything else: decode -> L16 -> resample -> encode, one TranscodePath per direction.
 *   idle       a leg has no negotiated media yet: packets are counted by the sessions and dropped.
 * When a leg's media or remote address changes (re-INVITE: setMedia / setRemote on the session)
 * the bridge tears its paths down and sets them up again from the new state; stream continuity on
 * the wire is kept by the sessions' senders (relay/transcoder re-synchronise on take-over).
 */
import type { CodecDescription } from '../codec/types';
import { realClock, type Clock } from '../util/clock';
import { logger } from '../util/logger';
import type { JitterBufferOptions } from './jitter-buffer';
import { RelayPath, relayPtMap, type RelayStats } from './relay';
import type { RtpSession } from './rtp-session';
import { TranscodePath, type TranscodeStats } from './transcoder';
import type { CodecProvider, LegMedia } from './types';

export type BridgeMode = 'relay' | 'transcode' | 'idle';

export interface MediaBridgeOptions {
  clock?: Clock;
  /** Needed for transcoding; without it a codec mismatch leaves the bridge idle. */
  codecs?: CodecProvider;
  jitter?: Partial<JitterBufferOptions>;
  /** Set false to never relay (e.g. a media bug needs decoded audio). Default true. */
  allowRelay?: boolean;
  /**
   * Carry RFC 4733 events across (PT-translated). Default true. Set false when the layer above
   * handles digits itself (FreeSWITCH regenerates DTMF on the partner per its dtmf_type, consumes
   * bridge terminate keys): the sessions still emit 'dtmf', and sendDtmf() regenerates.
   */
  passDtmf?: boolean;
}

export interface MediaBridgeStats {
  mode: BridgeMode;
  resets: number;
  relay?: { aToB: RelayStats; bToA: RelayStats };
  transcode?: { aToB: TranscodeStats; bToA: TranscodeStats };
}

/** Same codec implementation (behaviour doc §3.7): name (case-insensitive), clock rate, channels, ptime. */
export function sameCodec(a: CodecDescription, b: CodecDescription): boolean {
  return (
    a.name.toLowerCase() === b.name.toLowerCase() &&
    a.clockRate === b.clockRate &&
    a.channels === b.channels &&
    a.ptime === b.ptime
  );
}

export function chooseBridgeMode(a: LegMedia | undefined, b: LegMedia | undefined, allowRelay = true): BridgeMode {
  if (!a || !b) return 'idle';
  return allowRelay && sameCodec(a.codec, b.codec) ? 'relay' : 'transcode';
}

type Path = { close(): void };

let bridgeLogRoot: typeof logger | undefined;
let bridgeLog: typeof logger | undefined;

/** One child logger for every bridge (a pino child per bridge cost µs per call), per root logger. */
function bridgeLogger(): typeof logger {
  if (bridgeLogRoot !== logger || !bridgeLog) {
    bridgeLogRoot = logger;
    bridgeLog = logger.child({ mod: 'media.bridge' });
  }
  return bridgeLog;
}

export class MediaBridge {
  private _mode: BridgeMode = 'idle';
  private aToB: Path | undefined;
  private bToA: Path | undefined;
  private resets = 0;
  private closed = false;
  private readonly clock: Clock;
  private readonly offs: (() => void)[] = [];
  private readonly log = bridgeLogger();

  constructor(
    readonly a: RtpSession,
    readonly b: RtpSession,
    private readonly opts: MediaBridgeOptions = {},
  ) {
    this.clock = opts.clock ?? a.clock ?? realClock;
    const onChange = (): void => this.reset();
    this.offs.push(a.on('mediaChanged', onChange), b.on('mediaChanged', onChange));
    const onClosed = (): void => this.close();
    this.offs.push(a.on('closed', onClosed), b.on('closed', onClosed));
    this.setup();
  }

  get mode(): BridgeMode {
    return this._mode;
  }

  /** Tear down and set up again from the legs' current media (idempotent in effect). */
  reset(): void {
    if (this.closed) return;
    this.teardown();
    this.resets++;
    this.setup();
  }

  private setup(): void {
    const am = this.a.media;
    const bm = this.b.media;
    let mode = chooseBridgeMode(am, bm, this.opts.allowRelay ?? true);
    if (mode === 'transcode' && !this.opts.codecs) {
      this.log.warn({ a: am?.codec.name, b: bm?.codec.name }, 'codecs differ and no codec provider: media idle');
      mode = 'idle';
    }
    if (mode === 'relay') {
      const pass = this.opts.passDtmf ?? true;
      const ab = new RelayPath(this.a, this.b, relayPtMap(am!, bm!, pass), bm!);
      const ba = new RelayPath(this.b, this.a, relayPtMap(bm!, am!, pass), am!);
      this.a.setSink(ab.sink);
      this.b.setSink(ba.sink);
      this.aToB = ab;
      this.bToA = ba;
    } else if (mode === 'transcode') {
      const codecs = this.opts.codecs!;
      try {
        const pass = this.opts.passDtmf ?? true;
        const ab = new TranscodePath(this.a, this.b, am!, bm!, codecs, this.clock, this.opts.jitter, pass);
        this.aToB = ab;
        const ba = new TranscodePath(this.b, this.a, bm!, am!, codecs, this.clock, this.opts.jitter, pass);
        this.bToA = ba;
        this.a.setSink(ab.sink);
        this.b.setSink(ba.sink);
      } catch (err) {
        this.teardown();
        throw err;
      }
    } else {
      this.a.setSink(null);
      this.b.setSink(null);
    }
    this._mode = mode;
    this.log.debug({ mode, a: am?.codec.name, b: bm?.codec.name }, 'media bridge set up');
  }

  private teardown(): void {
    this.a.setSink(null);
    this.b.setSink(null);
    this.aToB?.close();
    this.bToA?.close();
    this.aToB = undefined;
    this.bToA = undefined;
    this._mode = 'idle';
  }

  stats(): MediaBridgeStats {
    const s: MediaBridgeStats = { mode: this._mode, resets: this.resets };
    if (this.aToB instanceof RelayPath && this.bToA instanceof RelayPath) {
      s.relay = { aToB: { ...this.aToB.stats }, bToA: { ...this.bToA.stats } };
    } else if (this.aToB instanceof TranscodePath && this.bToA instanceof TranscodePath) {
      s.transcode = { aToB: this.aToB.stats(), bToA: this.bToA.stats() };
    }
    return s;
  }

  /**
   * Idempotent. Detaches from both sessions. The legs own their sessions, so by default they stay
   * open (a leg may be bridged again, or play a prompt); with closeSessions the sessions are closed
   * too, which releases their ports.
   */
  close(closeSessions = false): void {
    if (!this.closed) {
      this.closed = true;
      this.teardown();
      for (const off of this.offs) off();
    }
    if (closeSessions) {
      this.a.close();
      this.b.close();
    }
  }
}
