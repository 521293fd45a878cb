/**
 * The minimal SIP profile server (issue 2 §5): one SipStack listening UDP+TCP on a profile's
 * ip:port, RFC 3261 §8.2 UAS checks, and a method → handler map that later work fills in
 * (registrar for REGISTER, invite sessions for INVITE/BYE, ...).
 *
 *   SipStack.onRequest ─▶ checkRequest (501/405 + Allow, 416, 420, 415, 406)
 *                       ─▶ handlers.get(method) ─▶ handler({ tx, req, env, profile })
 *
 * Until call handling and the registrar land, the built-in handlers are:
 *   OPTIONS → 200 with Allow, Accept, Supported (RFC 3261 §11.2), whatever its Max-Forwards
 *             (RFC 4475 zeromf: a request handled locally is processed normally);
 *   INVITE  → 480 Temporarily Unavailable (no call handling yet; never silence);
 *   BYE     → 481 (there are no dialogs yet).
 * Any other method gets 405 (known to SIP) or 501 (unknown), both with Allow.
 */
import {
  SipStack,
  checkRequest,
  type InboundEnvelope,
  type ServerTransaction,
  type SipRequest,
  type SipStackOptions,
  type UasPolicy,
} from '../../sip';
import { logger as rootLogger, type Logger } from '../../util/logger';

export interface ProfileServerOptions {
  name: string;
  ip: string;
  port: number;
  /** Stack configuration (clock, timers, logger, stream limits, pre-built loop transports). */
  stack?: SipStackOptions;
  /** User-Agent written into responses (and requests). Default 'Strowger'. */
  userAgent?: string;
  /** Option tags we support (Supported / Require check). Default none. */
  supported?: string[];
  /** Skip listen() (tests that pass loop transports in stack.transports). */
  noListen?: boolean;
}

export interface RequestContext {
  tx: ServerTransaction;
  req: SipRequest;
  env: InboundEnvelope;
  profile: ProfileServer;
}

export type MethodHandler = (ctx: RequestContext) => void;

/** Methods the stack itself handles for every profile (ACK: transactions/dialogs; CANCEL: §9.2). */
const STACK_METHODS = ['ACK', 'CANCEL'];
/** The order FreeSWITCH lists them in its Allow header. */
const ALLOW_ORDER = ['INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS', 'MESSAGE', 'INFO', 'UPDATE', 'REGISTER', 'REFER', 'NOTIFY', 'PUBLISH', 'SUBSCRIBE', 'PRACK'];

export class ProfileServer {
  readonly stack: SipStack;
  readonly name: string;
  readonly userAgent: string;
  private readonly handlers = new Map<string, MethodHandler>();
  /** Body types understood (RFC 3261 §8.2.3, Accept); call handling adds application/dtmf-relay. */
  readonly accept: string[] = ['application/sdp'];
  private readonly supported: string[];
  private readonly log: Logger;
  /** policy() as of the current handlers (every request is checked against it); reset by handle/unhandle. */
  private cachedPolicy: UasPolicy | undefined;
  private bound: { udp?: { address: string; port: number }; tcp?: { address: string; port: number } } = {};
  private closed = false;

  private constructor(private readonly opts: ProfileServerOptions) {
    this.name = opts.name;
    this.userAgent = opts.userAgent ?? 'Strowger';
    this.supported = opts.supported ?? [];
    this.log = (opts.stack?.logger ?? rootLogger).child({ mod: 'sofia.profile', profile: opts.name });
    // 4 MiB of UDP receive buffer (the kernel caps it at net.core.rmem_max): a call burst must not
    // be dropped while the event loop is busy (sofia-sip sets large buffers too).
    this.stack = new SipStack({ userAgent: this.userAgent, udpRecvBufferSize: 4 << 20, ...opts.stack });
    this.stack.onRequest((tx, req, env) => this.dispatch(tx, req, env));
    this.handle('OPTIONS', (c) => this.answerOptions(c));
    this.handle('INVITE', ({ tx }) => {
      tx.reply(480, { reason: 'Temporarily Unavailable', headers: this.commonHeaders() });
    });
    this.handle('BYE', ({ tx }) => {
      tx.reply(481, { reason: 'Call/Transaction Does Not Exist', headers: this.commonHeaders() });
    });
  }

  /** Create the profile and bind UDP+TCP on ip:port (throws StrowgerError SIP_TRANSPORT). */
  static async start(opts: ProfileServerOptions): Promise<ProfileServer> {
    const p = new ProfileServer(opts);
    if (!opts.noListen) {
      try {
        p.bound = await p.stack.listen({ host: opts.ip, port: opts.port });
      } catch (err) {
        await p.close();
        throw err;
      }
      p.log.info({ udp: p.bound.udp, tcp: p.bound.tcp }, 'profile listening');
    }
    return p;
  }

  /** Bound addresses (port resolved when 0 was asked for). */
  get addresses(): { udp?: { address: string; port: number }; tcp?: { address: string; port: number } } {
    return this.bound;
  }

  /** Register (or replace) the handler for a method; it then appears in Allow. */
  handle(method: string, handler: MethodHandler): void {
    this.handlers.set(method, handler);
    this.cachedPolicy = undefined;
  }

  /** Remove a handler: the method is then answered 405/501. */
  unhandle(method: string): void {
    this.handlers.delete(method);
    this.cachedPolicy = undefined;
  }

  /** Allow header methods: handled ones plus ACK and CANCEL, in FreeSWITCH's order. */
  allow(): string[] {
    const set = new Set([...this.handlers.keys(), ...STACK_METHODS]);
    const ordered = ALLOW_ORDER.filter((m) => set.has(m));
    for (const m of set) if (!ordered.includes(m)) ordered.push(m);
    return ordered;
  }

  /** The same object until a handler is added or removed (`accept` and `supported` are shared, live arrays). */
  policy(): UasPolicy {
    return (this.cachedPolicy ??= { allow: this.allow(), supported: this.supported, accept: this.accept });
  }

  /** Headers every response of this profile carries. */
  commonHeaders(): Array<[string, string]> {
    return [['User-Agent', this.userAgent]];
  }

  private dispatch(tx: ServerTransaction, req: SipRequest, env: InboundEnvelope): void {
    const rejection = checkRequest(req, this.policy());
    if (rejection) {
      tx.reply(rejection.status, { reason: rejection.reason, headers: [...rejection.headers, ...this.commonHeaders()] });
      return;
    }
    const handler = this.handlers.get(req.method);
    if (!handler) {
      // CANCEL/ACK never reach here (the stack owns them); anything else was rejected above.
      tx.reply(501, { reason: 'Not Implemented', headers: [['Allow', this.allow().join(', ')], ...this.commonHeaders()] });
      return;
    }
    try {
      handler({ tx, req, env, profile: this });
    } catch (err) {
      this.log.error({ err, method: req.method }, 'handler threw; answering 500');
      if (!tx.finalSent) tx.reply(500, { reason: 'Server Internal Error', headers: this.commonHeaders() });
    }
  }

  /** RFC 3261 §11.2: 200 with Allow, Accept, Supported (and no body). */
  private answerOptions({ tx }: RequestContext): void {
    tx.reply(200, {
      headers: [
        ['Allow', this.allow().join(', ')],
        ['Accept', 'application/sdp'],
        ['Supported', this.supported.join(', ')],
        ...this.commonHeaders(),
      ],
    });
  }

  /** Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.stack.close();
  }
}
