/**
 * The registrar of a sofia profile (issue 4; freeswitch-behaviour.md §1.3-1.4; RFC 3261 §10.3).
 * Attached to a ProfileServer as its REGISTER handler; bindings live in a LocationStore.
 *
 *   REGISTER ─► 1 disable-register ─────────────────────────────────────────► 403
 *            ─► Contacts read (* alone; sip/sips; at most N) ────────────────► 400 / 403
 *            ─► NAT detection (nat.ts) ─► status Registered(UDP|TCP[-NAT]), route target
 *            ─► 2 apply-register-acl: inside = authorised, outside ──────────► 403
 *            ─► 3 no To user ────────────────────────────────────────────────► 400
 *            ─► 4 accept-blind-reg = authorised
 *            ─► 5 source banned by the throttle ─────────────────────────────► 403
 *               no Digest credentials ─► sofia::pre_register ────────────────► 401 (SHA-256, MD5)
 *            ─► 6-9 digest (registrar-auth.ts): stale/unknown nonce ─────────► 401
 *                                              wrong password, unknown user ► 403 (+ throttle,
 *                                              fail2ban line, sofia::register_failure)
 *            ─► 10 expiries (registrar-bindings.ts) ─► too brief ─────────────► 423 Min-Expires
 *               store.applyRegister (RFC 3261 §10.3 steps 6-8, write-through)
 *                  * without Expires 0 ─► 400; same Call-ID, CSeq not higher ► 500
 *               200 OK: every live binding `<uri>;expires=<left>`, Date ─────► 200
 *               sofia::register / sofia::unregister
 *            ─► 11 sweep every registration-thread-frequency s: purge bindings past expiry +
 *               sip-expires-late-margin, sofia::expire
 *
 * The handler is synchronous up to the store call; the transaction layer absorbs retransmissions
 * while the store works. Any unexpected error answers 500 (never an unhandled rejection).
 */
import type { AclRegistry } from '../../config';
import { checkAclRefs } from '../../config';
import type { Directory, DirectoryUser } from '../../directory';
import { getCallId, getCSeq, getFrom, getTo, getTopVia, type NameAddr } from '../../sip';
import { AuthThrottle, DigestServer, formatAuthFailureLine, type DigestAlgorithm, type DigestServerOptions } from '../../sip/auth';
import { realClock, type Clock, type TimerHandle } from '../../util/clock';
import { logger as rootLogger, type Logger } from '../../util/logger';
import { bindingStatus, type Binding, type LocationStore } from './location';
import { detectRegisterNat, natRouteTarget, type NatPolicy } from './nat';
import type { ProfileServer, RequestContext } from './profile-server';
import { challengeRealmFor, RegisterAuthenticator } from './registrar-auth';
import { bindingContactValue, planContacts, readContacts, sipDate } from './registrar-bindings';
import {
  bindingEventHeaders,
  expireEventHeaders,
  requestEventHeaders,
  type RegisterEventFacts,
  type RegistrarEventSink,
  type RegistrarEventSubclass,
} from './registrar-events';
import type { RegistrarSettings } from './registrar-settings';

export interface RegistrarOptions {
  /** Profile name: stored on bindings, named in logs and events. */
  profile: string;
  settings: RegistrarSettings;
  store: LocationStore;
  directory: Directory;
  acls: AclRegistry;
  clock?: Clock;
  logger?: Logger;
  events?: RegistrarEventSink;
  /** Digest server options (secret, checkUri ...); algorithms and nonce-ttl come from the settings. */
  digest?: Omit<DigestServerOptions, 'algorithms' | 'nonceTtlSeconds' | 'clock'>;
}

export interface RegistrarCounters {
  requests: number;
  /** 200 OK for a REGISTER that added, refreshed or removed bindings. */
  updates: number;
  /** 200 OK for a query (no Contact). */
  queries: number;
  challenges: number;
  staleChallenges: number;
  forbidden: number;
  /** 403 to a banned source (credentials not evaluated). */
  banned: number;
  badRequests: number;
  tooBrief: number;
  /** 500 for a CSeq not above the stored one (RFC 3261 §10.3 step 7). */
  outOfOrder: number;
  errors: number;
  /** Bindings purged by the sweep. */
  expired: number;
}

type Authorized = { username?: string; realm?: string; user?: DirectoryUser };

export class Registrar {
  readonly profile: string;
  readonly settings: RegistrarSettings;
  readonly store: LocationStore;
  readonly auth: RegisterAuthenticator;
  readonly digest: DigestServer;
  /** Per-source-IP brute-force throttle; undefined when auth-fail-max is 0. */
  readonly throttle: AuthThrottle | undefined;
  readonly counters: RegistrarCounters = {
    requests: 0, updates: 0, queries: 0, challenges: 0, staleChallenges: 0, forbidden: 0, banned: 0,
    badRequests: 0, tooBrief: 0, outOfOrder: 0, errors: 0, expired: 0,
  };
  private readonly clock: Clock;
  private readonly log: Logger;
  private events: RegistrarEventSink | undefined;
  private readonly acls: AclRegistry;
  private readonly natPolicy: NatPolicy;
  private sweepTimer: TimerHandle | undefined;
  private sweeping: Promise<unknown> | undefined;
  private closed = false;
  private attachedTo: ProfileServer | undefined;

  constructor(opts: RegistrarOptions) {
    this.profile = opts.profile;
    this.settings = opts.settings;
    this.store = opts.store;
    this.acls = opts.acls;
    this.clock = opts.clock ?? realClock;
    this.log = (opts.logger ?? rootLogger).child({ mod: 'sofia.registrar', profile: opts.profile });
    this.events = opts.events;
    this.digest = new DigestServer({
      ...opts.digest,
      algorithms: [...opts.settings.authAlgorithms],
      nonceTtlSeconds: opts.settings.nonceTtl,
      clock: this.clock,
    });
    this.auth = new RegisterAuthenticator(opts.settings, opts.directory, this.digest, opts.acls);
    const s = opts.settings;
    this.throttle =
      s.authFailMax > 0
        ? new AuthThrottle({
            maxFailures: s.authFailMax,
            windowMs: s.authFailWindow * 1000,
            banMs: s.authBanTime * 1000,
            clock: this.clock,
            logger: this.log,
          })
        : undefined;
    this.natPolicy = { natAcl: s.applyNatAcl, localNetworkAcl: s.localNetworkAcl, aggressive: s.aggressiveNatDetection, acls: opts.acls };
  }

  /** Handle REGISTER on this profile (replaces the profile's previous REGISTER handler). */
  attach(server: ProfileServer): this {
    this.attachedTo = server;
    server.handle('REGISTER', (ctx) => this.onRegister(ctx));
    return this;
  }

  /** Send sofia::* events to this sink from now on (the core may be created after the registrar). */
  useEvents(sink: RegistrarEventSink | undefined): this {
    this.events = sink;
    return this;
  }

  /** Start the periodic expiry sweep (registration-thread-frequency). Idempotent. */
  start(): this {
    if (!this.closed && !this.sweepTimer) this.scheduleSweep();
    return this;
  }

  onRegister(ctx: RequestContext): void {
    this.process(ctx).catch((err: unknown) => {
      this.counters.errors++;
      this.log.error({ err, callId: getCallId(ctx.req) }, 'REGISTER failed; answering 500');
      if (!ctx.tx.finalSent) ctx.tx.reply(500, { reason: 'Server Internal Error', headers: ctx.profile.commonHeaders() });
    });
  }

  /** Build and send a response with the profile's common headers after `headers`. */
  private reply(ctx: RequestContext, status: number, reason?: string, headers?: Array<[string, string]>): void {
    const common = ctx.profile.commonHeaders();
    ctx.tx.reply(status, { reason, headers: headers && headers.length > 0 ? headers.concat(common) : common });
  }

  private async process(ctx: RequestContext): Promise<void> {
    const { req, env } = ctx;
    const s = this.settings;
    const c = this.counters;
    c.requests++;
    const to = getTo(req)!; // validateRequest guarantees a SIP To for REGISTER
    const from = getFrom(req);
    const sourceIp = env.remote.address;

    // 1. disable-register
    if (s.disableRegister) {
      c.forbidden++;
      this.fire('sofia::register_failure', () => requestEventHeaders(this.facts(ctx, to, from), [['reason', 'disable-register']]));
      return this.reply(ctx, 403, 'Forbidden');
    }
    const read = readContacts(req, s.maxContactsPerRequest);
    if (!read.ok) {
      c.badRequests++;
      return this.reply(ctx, read.status, read.reason);
    }
    const contacts: readonly NameAddr[] = read.kind === 'contacts' ? read.contacts : [];
    const nat = detectRegisterNat({ sourceIp, sourcePort: env.remote.port, contacts, topVia: getTopVia(req) }, this.natPolicy);

    // 2. apply-register-acl
    let authorized: Authorized | undefined;
    if (s.applyRegisterAcl.length > 0) {
      if (!checkAclRefs(s.applyRegisterAcl, this.acls, sourceIp).allowed) {
        c.forbidden++;
        this.fire('sofia::register_failure', () => requestEventHeaders(this.facts(ctx, to, from), [['reason', 'apply-register-acl']]));
        return this.reply(ctx, 403, 'Forbidden');
      }
      authorized = {};
    }
    // 3. an AOR needs a user part.
    if (!to.uri.user) {
      c.badRequests++;
      return this.reply(ctx, 400, 'Missing To user');
    }
    // 4. accept-blind-reg
    if (!authorized && s.acceptBlindReg) authorized = {};
    // 5-9. digest
    if (!authorized) {
      const decision = this.authenticate(ctx, to, from);
      if (!decision) return;
      authorized = decision;
    }

    // 10. bindings
    const plan = planContacts(read, req, nat.nat, s);
    if (!plan.ok) {
      if (plan.status === 423) {
        c.tooBrief++;
        return this.reply(ctx, 423, 'Interval Too Brief', [['Min-Expires', String(plan.minExpires)]]);
      }
      c.badRequests++;
      return this.reply(ctx, plan.status, plan.reason);
    }
    const now = this.clock.wallNow();
    const transport = env.transport;
    const cseq = getCSeq(req)!;
    const userMax = authorized.user?.params.get('max-registrations-per-extension');
    const maxBindings = userMax !== undefined && /^\d{1,6}$/.test(userMax) ? Number(userMax) : s.maxRegistrationsPerExtension;
    const outcome = await this.store.applyRegister({
      profile: this.profile,
      user: to.uri.user,
      host: s.forceRegisterDbDomain ?? to.uri.host,
      callId: getCallId(req)!,
      cseq: cseq.seq,
      contacts: plan.contacts,
      policy: s.multipleRegistrations,
      maxBindings,
      now,
      meta: {
        transport,
        receivedIp: sourceIp,
        receivedPort: env.remote.port,
        localIp: env.local.address,
        localPort: env.local.port,
        userAgent: req.headers.get('user-agent') ?? '',
        status: bindingStatus(transport, nat.nat),
        nat: nat.nat,
        routeTarget: nat.nat ? natRouteTarget(transport, sourceIp, env.remote.port) : null,
        authUsername: authorized.username ?? null,
        authRealm: authorized.realm ?? null,
      },
    });
    if (!outcome.ok) {
      if (outcome.reason === 'out-of-order') c.outOfOrder++;
      else if (outcome.status === 403) c.forbidden++;
      else c.badRequests++;
      const reason = outcome.reason === 'out-of-order' ? 'Server Internal Error (CSeq out of order)' : outcome.reason === 'too-many-bindings' ? 'Forbidden (too many registrations)' : 'Invalid Contact: *';
      this.log.debug({ callId: getCallId(req), detail: outcome.detail }, 'REGISTER refused by the location rules');
      return this.reply(ctx, outcome.status, reason);
    }

    const headers: Array<[string, string]> = [];
    let live = 0;
    for (const b of outcome.bindings) {
      if (b.expiresAt <= now) continue;
      live++;
      headers.push(['Contact', bindingContactValue(b, now)]);
    }
    headers.push(['Date', sipDate(now)]);
    if (plan.contacts.length === 0) c.queries++;
    else c.updates++;
    this.reply(ctx, 200, 'OK', headers);

    if (this.events && this.events.wants() && plan.contacts.length > 0) {
      const f = this.facts(ctx, to, from, authorized.username);
      if (authorized.realm) f.realm = authorized.realm;
      for (const b of [...outcome.added, ...outcome.refreshed]) {
        this.events.fire('sofia::register', bindingEventHeaders(f, b, Math.round((b.expiresAt - now) / 1000), authorized.user));
      }
      const zero = new Set(plan.contacts.filter((x) => x.expires === 0).map((x) => x.contact));
      for (const b of outcome.removed) {
        if (zero.has('*') || zero.has(b.contact)) this.events.fire('sofia::unregister', bindingEventHeaders(f, b, 0, authorized.user));
      }
    }
    if (this.log.isLevelEnabled('debug')) {
      this.log.debug(
        { callId: getCallId(req), aor: `${to.uri.user}@${to.uri.host}`, from: `${sourceIp}:${env.remote.port}`, status: bindingStatus(transport, nat.nat), bindings: live },
        'REGISTER accepted',
      );
    }
  }

  /** Steps 5-9. Returns the authorised identity, or undefined after answering the request. */
  private authenticate(ctx: RequestContext, to: NameAddr, from: NameAddr | undefined): Authorized | undefined {
    const { req } = ctx;
    const sourceIp = ctx.env.remote.address;
    const c = this.counters;
    if (this.throttle?.isBanned(sourceIp)) {
      // Refused without evaluating anything, even the right password (security.md §3.3).
      c.banned++;
      this.fire('sofia::register_failure', () => requestEventHeaders(this.facts(ctx, to, from), [['reason', 'banned']]));
      this.reply(ctx, 403, 'Forbidden');
      return undefined;
    }
    const realm = challengeRealmFor(this.settings.challengeRealm, to, from);
    const creds = this.auth.credentials(req, realm);
    if (!creds) {
      this.challenge(ctx, to, from, realm, false);
      return undefined;
    }
    const d = this.auth.authenticate(req, to, realm, sourceIp, creds);
    if (d.kind === 'authorized') {
      this.throttle?.recordSuccess(sourceIp);
      return { username: d.username, realm: d.realm, user: d.user };
    }
    if (d.kind === 'challenge') {
      this.challenge(ctx, to, from, realm, d.stale, d.algorithms);
      return undefined;
    }
    c.forbidden++;
    if (d.countsAsFailure) this.throttle?.recordFailure(sourceIp);
    if (this.settings.logAuthFailures) {
      this.log.warn(formatAuthFailureLine({ method: req.method, profile: this.profile, user: to.uri.user ?? '', domain: to.uri.host, ip: sourceIp }));
    }
    this.fire('sofia::register_failure', () => requestEventHeaders(this.facts(ctx, to, from, d.username), [['reason', d.outcome]]));
    this.reply(ctx, 403, 'Forbidden');
    return undefined;
  }

  /** 401 with one WWW-Authenticate per algorithm (sofia::pre_register first). */
  private challenge(ctx: RequestContext, to: NameAddr, from: NameAddr | undefined, realm: string, stale: boolean, algorithms?: DigestAlgorithm[]): void {
    const c = this.counters;
    c.challenges++;
    if (stale) c.staleChallenges++;
    this.fire('sofia::pre_register', () => requestEventHeaders(this.facts(ctx, to, from)));
    const values = this.digest.createChallenge({ realm, clientIp: ctx.env.remote.address, stale, algorithms });
    const headers: Array<[string, string]> = [];
    for (const v of values) headers.push(['WWW-Authenticate', v]);
    this.reply(ctx, 401, 'Unauthorized', headers);
  }

  private facts(ctx: RequestContext, to: NameAddr, from: NameAddr | undefined, username?: string): RegisterEventFacts {
    const { req, env } = ctx;
    return {
      profile: this.profile,
      fromUser: from?.uri.user ?? '',
      fromHost: from?.uri.host ?? '',
      toUser: to.uri.user ?? '',
      toHost: to.uri.host,
      presenceHosts: this.settings.presenceHosts,
      callId: getCallId(req) ?? '',
      userAgent: req.headers.get('user-agent') ?? '',
      networkIp: env.remote.address,
      networkPort: env.remote.port,
      username,
    };
  }

  private fire(subclass: RegistrarEventSubclass, headers: () => Array<[string, string]>): void {
    if (!this.events || !this.events.wants()) return;
    try {
      this.events.fire(subclass, headers());
    } catch (err) {
      this.log.error({ err, subclass }, 'registrar event sink threw');
    }
  }

  /**
   * Purge bindings past their expiry plus sip-expires-late-margin; fires sofia::expire for each.
   * Never throws (a store failure is logged and retried at the next sweep).
   */
  async sweep(now = this.clock.wallNow()): Promise<Binding[]> {
    let gone: Binding[];
    try {
      gone = await this.store.purgeExpired(now - this.settings.expiresLateMargin * 1000);
    } catch (err) {
      this.log.error({ err }, 'expiry sweep failed');
      return [];
    }
    this.counters.expired += gone.length;
    if (gone.length > 0) this.log.debug({ purged: gone.length }, 'expired bindings purged');
    if (this.events?.wants()) for (const b of gone) this.fire('sofia::expire', () => expireEventHeaders(b.profile, b));
    return gone;
  }

  /** Fixed cadence; a sweep still running when the next is due makes that one skip. */
  private scheduleSweep(): void {
    this.sweepTimer = this.clock.setTimeout(() => {
      if (this.closed) return;
      this.scheduleSweep();
      if (this.sweeping) return;
      this.sweeping = this.sweep().finally(() => {
        this.sweeping = undefined;
      });
    }, this.settings.sweepInterval * 1000);
  }

  /**
   * Bindings of user@host on this profile that calls may use: not past expiry + late margin
   * (FS keeps rows `expires + 60` s and routes to them).
   */
  async routable(user: string, host: string): Promise<Binding[]> {
    return this.store.lookup(user, host, { profile: this.profile, now: this.clock.wallNow() - this.settings.expiresLateMargin * 1000 });
  }

  /** Stop the sweep and the REGISTER handler (idempotent). The store belongs to the caller. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.sweepTimer?.cancel();
    this.sweepTimer = undefined;
    if (this.attachedTo) this.attachedTo.unhandle('REGISTER');
    await this.sweeping;
  }
}
