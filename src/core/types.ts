/**
 * The interfaces other layers plug into the core through (architecture.md: "calls go down,
 * callbacks come up"; registries, not switch statements). The core never imports an endpoint,
 * a dialplan engine or an app: they register themselves here.
 */
import type { Logger } from '../util/logger';
import type { AbortLike } from './abort';
import type { CallerProfile } from './caller-profile';
import type { HangupCause } from './causes';
import type { Channel } from './channel';
import type { Core } from './core';
import type { MediaHandle } from './media-handle';

export type CallDirection = 'inbound' | 'outbound';

/**
 * What an endpoint (sofia, loopback, test fakes) implements for each of its channels. The core
 * calls these "down"; the endpoint reports back "up" with channel.markRinging/markPreAnswered/
 * markAnswered/hangup(cause)/receiveDtmf.
 */
export interface ChannelDriver {
  /** 200 OK (inbound) — resolve once the answer is sent; reject if it cannot be (e.g. no codec). */
  answer(): Promise<void>;
  /** 183 with SDP. */
  preAnswer(): Promise<void>;
  /** 180 without SDP. */
  ringReady(): Promise<void>;
  /**
   * Called exactly once when the channel enters CS_HANGUP, whoever started the hangup (the core,
   * an app, or the endpoint itself reporting a remote BYE/CANCEL via channel.hangup). A driver that
   * already knows the far end is gone must not signal again.
   */
  hangup(cause: HangupCause): void;
  /**
   * Reject/answer the unanswered inbound leg with this SIP-level status (`respond` app). After a
   * final rejection (>= 300) the endpoint hangs the channel up with the mapped cause itself.
   */
  respond?(status: number, reason?: string, headers?: Record<string, string>): Promise<void>;
  /** 302 (one contact) / 300 (several) before answer (`redirect` app). */
  redirect?(contacts: string[]): Promise<void>;
  /** Send DTMF to the far end (RFC 4733 or INFO: the endpoint decides). */
  sendDtmf?(digits: string, durationMs: number): void;
  /** The leg's media, when there is one (undefined before negotiation or for signalling-only legs). */
  media(): MediaHandle | undefined;
}

/** Input to Endpoint.originate: one leg of a dial string. */
export interface OriginateRequest {
  /** The text after "<endpoint>/", e.g. 'internal/1000@127.0.0.1'. */
  data: string;
  /** "<endpoint>/<data>". */
  target: string;
  /** The leg's variables: exports of the originator < `<>` < `{}` < `[]`. */
  variables: Record<string, string>;
  /** Caller profile prepared for the new leg (caller id, destination_number = data). */
  profile: CallerProfile;
  /** The A leg, when the originate comes from a call (bridge app) rather than the API. */
  originator?: Channel;
  /** Ring time limit in seconds; the core enforces it, endpoints may use it for their own timers. */
  timeoutSec: number;
  /**
   * Aborted when the originate no longer wants this leg (another leg won, timeout, cancel). A real
   * AbortSignal, made when first read: an endpoint that only tests or listens should use `cancel`.
   */
  readonly signal: AbortSignal;
  /** The same abort state as `signal`, without an EventTarget behind it (abort.ts). */
  readonly cancel: AbortLike;
  core: Core;
  /**
   * Create the outbound channel for this leg with the request's variables and profile applied
   * (honours `origination_uuid`). The endpoint then starts signalling and reports progress.
   */
  createChannel(opts: { name: string; driver: ChannelDriver }): Channel;
}

/**
 * `channel`: the new leg (ringing or already answered). `cause`: failed immediately.
 * `dialString`: this target stands for another dial string (e.g. user/1000 -> contacts); the core
 * originates it in place of the leg (depth-limited against self-reference).
 */
export type OriginateOutcome = { channel: Channel } | { cause: HangupCause } | { dialString: string };

export interface Endpoint {
  /** Registry key: the part before the first '/' in a dial string ('sofia', 'user', 'error'...). */
  readonly name: string;
  readonly summary?: string;
  originate(req: OriginateRequest): Promise<OriginateOutcome>;
}

/** One queued dialplan action. */
export interface DialplanAction {
  app: string;
  data: string;
}

export interface HuntResult {
  /** Name of the matched extension (for logs and `Channel-HIT-Dialplan`). */
  extension?: string;
  actions: DialplanAction[];
}

export interface HuntContext {
  core: Core;
  /** Argument given after ':' in the dialplan list ('XML:/path'), if any. */
  arg?: string;
  log: Logger;
}

/**
 * A dialplan module (XML/JSON engine in src/dialplan). Routing yields a plan; execution runs it
 * (architecture.md habit 13). Return undefined when this dialplan has no match, so the next
 * dialplan in the caller profile's list is tried. Inline actions may be executed during the hunt
 * through core.executeApplication(channel, app, data) (only apps flagged routingSafe).
 */
export interface DialplanProvider {
  readonly name: string;
  hunt(channel: Channel, ctx: HuntContext): Promise<HuntResult | undefined>;
}

export interface AppContext {
  core: Core;
  /**
   * Aborted on hangup, transfer, or another interruption of the running app. A real AbortSignal,
   * made when first read: apps that only test or listen for the abort should use `cancel`.
   */
  readonly signal: AbortSignal;
  /** The same abort state as `signal`, without an EventTarget behind it (abort.ts). */
  readonly cancel: AbortLike;
  log: Logger;
}

export interface AppFlags {
  /** May run inline while hunting (freeswitch-behaviour.md §5.3). */
  routingSafe?: boolean;
  /** Does not need media (ok on signalling-only legs). */
  noMedia?: boolean;
}

/** Returned by app handlers; `response` becomes `Application-Response` on EXECUTE_COMPLETE. */
export interface AppResult {
  response?: string;
}

export interface AppDefinition {
  name: string;
  syntax: string;
  summary: string;
  flags?: AppFlags;
  handler(channel: Channel, data: string, ctx: AppContext): Promise<AppResult | void> | AppResult | void;
}

export interface ApiContext {
  core: Core;
  /** The channel on whose behalf `${api(...)}` is expanded, if any. */
  channel?: Channel;
  log: Logger;
}

export interface ApiDefinition {
  name: string;
  syntax: string;
  summary: string;
  /** Returns the command output, e.g. '+OK ...' / '-ERR ...'. */
  handler(args: string, ctx: ApiContext): Promise<string> | string;
}
