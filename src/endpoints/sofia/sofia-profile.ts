/**
 * Call handling on one SIP profile: the glue between the profile's SipStack, the dialogs, the
 * media plane and the core (architecture.md: endpoints/sofia is where sip, sdp, media and core
 * meet).
 *
 *   INVITE without To tag ─▶ loop (482) ─▶ session limit (503) ─▶ Contact (400) ─▶ auth (407/403)
 *        ─▶ SDP (488 when nothing we could ever answer) ─▶ A channel ─▶ core routes and executes
 *   INVITE/BYE/INFO/UPDATE/OPTIONS with To tag ─▶ the dialog's leg, or 481 (§12.2.2)
 *   ACK (2xx) ─▶ the dialog's leg;  CANCEL ─▶ the INVITE's leg (487)
 *   originate(sofia/<profile>/<dest>) ─▶ B leg: own Call-ID, From tag and branch
 */
import type { AclRegistry, ProfileConfig } from '../../config';
import { checkAclRefs } from '../../config';
import type { CallerProfile, Channel, Core, OriginateOutcome, OriginateRequest } from '../../core';
import type { Directory } from '../../directory';
import type { PortAllocator } from '../../media';
import { offerCodecPrefs, type LocalCodecPref, type NegotiationPolicy } from '../../sdp';
import {
  createRequest,
  escapeUser,
  formatHost,
  getCallId,
  getContacts,
  getFrom,
  getToTag,
  nextHopMaxForwards,
  type ServerTransaction,
  type SipResponse,
  type SipUri,
} from '../../sip';
import { DigestServer, normalizeAlgorithm, type AuthThrottle, type DigestAlgorithm } from '../../sip/auth';
import { DialogTable, responseDialogKey } from '../../sip/dialog';
import { realClock, type Clock } from '../../util/clock';
import { token } from '../../util/ids';
import { lazyChild, logger as rootLogger, type Logger } from '../../util/logger';
import { inboundCallerProfile, inboundSipVariables } from './call-vars';
import { formatPrefs, legCodecPrefs, type ProfileCodecPrefs } from './codec-prefs';
import { authorizeInvite, challengeRealm } from './inbound-auth';
import { InboundLeg } from './inbound-leg';
import { LegMedia, type LegMediaHooks } from './leg-media';
import { OutboundLeg } from './outbound-leg';
import type { ProfileServer, RequestContext } from './profile-server';
import { parseSofiaDest, type ParsedDest } from './sofia-dest';
import { reasonHeaderFor } from './sip-causes';
import { sdpBody, SipLeg, type LegHost } from './sip-leg';

export interface SofiaProfileOptions {
  server: ProfileServer;
  config: ProfileConfig;
  core: Core;
  allocator: PortAllocator;
  directory?: Directory;
  acls?: AclRegistry;
  clock?: Clock;
  logger?: Logger;
  /** Shared with the registrar when it has one (one ban list per profile). */
  throttle?: AuthThrottle;
  digest?: DigestServer;
  /** Global channel defaults (vars.xml): rtp_liberal_dtmf, suppress_cng. */
  globals?: ReadonlyMap<string, string>;
  /** True for an address:port of one of our own listeners (calls looped through us). */
  isOwnAddress?(ip: string, port: number): boolean;
  /** Registered contacts of user@domain as SIP URIs (`sip:...;fs_path=...`), best first. */
  locate?(user: string, domain: string): Promise<string[]>;
  maxDialogs?: number;
}

export interface SofiaProfileCounters {
  invites: number;
  challenged: number;
  forbidden: number;
  loops: number;
  noDialog: number;
  rejectedNoCodec: number;
  outbound: number;
}

const POLICIES: ReadonlySet<string> = new Set(['generous', 'greedy', 'scrooge']);

/** The caller profile with its context and dialplan (the object is ours: inboundCallerProfile's). */
function withRoute(p: Partial<CallerProfile>, context: string, dialplan: string): Partial<CallerProfile> {
  p.context = context;
  p.dialplan = dialplan;
  return p;
}

/** A display name without '"', '\\', CR and LF (the regex replace ran on every call; names rarely have them). */
function displayText(name: string): string {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c === 0x22 || c === 0x5c || c === 0x0d || c === 0x0a) return name.replace(/["\\\r\n]/g, '');
  }
  return name;
}

/**
 * The B leg's Max-Forwards for the A leg's `sip_max_forwards` value (-1: 483, too many hops).
 * nextHopMaxForwards reads a request; the answer depends on the header text alone, and calls
 * carry a handful of distinct values, so each is worked out once (a request per call before).
 */
const nextHopCache = new Map<string, number>();
function nextHopFor(mf: string, uri: SipUri): number {
  let v = nextHopCache.get(mf);
  if (v === undefined) {
    const next = nextHopMaxForwards(createRequest({ method: 'INVITE', uri, headers: [['Max-Forwards', mf]] }));
    v = 'reject' in next ? -1 : next.value;
    if (nextHopCache.size >= 256) nextHopCache.clear();
    nextHopCache.set(mf, v);
  }
  return v;
}

export class SofiaProfile implements LegHost {
  readonly name: string;
  readonly config: ProfileConfig;
  readonly core: Core;
  readonly clock: Clock;
  readonly log: Logger;
  readonly dialogs: DialogTable<SipLeg>;
  readonly server: ProfileServer;
  readonly counters: SofiaProfileCounters = { invites: 0, challenged: 0, forbidden: 0, loops: 0, noDialog: 0, rejectedNoCodec: 0, outbound: 0 };
  private readonly digest: DigestServer;
  private readonly inboundByTx = new Map<string, InboundLeg>();
  private readonly outboundByCallId = new Map<string, OutboundLeg>();
  private readonly codecPrefs: ProfileCodecPrefs;
  private closed = false;

  constructor(private readonly o: SofiaProfileOptions) {
    this.name = o.config.name;
    this.config = o.config;
    this.core = o.core;
    this.server = o.server;
    this.clock = o.clock ?? realClock;
    this.log = (o.logger ?? rootLogger).child({ mod: 'sofia', profile: this.name });
    this.dialogs = new DialogTable<SipLeg>(o.maxDialogs ?? 100_000);
    const algorithms = o.config.authAlgorithms.map((a) => normalizeAlgorithm(a)).filter((a): a is DigestAlgorithm => a !== undefined);
    this.digest =
      o.digest ?? new DigestServer({ nonceTtlSeconds: o.config.nonceTtl, clock: this.clock, algorithms: algorithms.length ? algorithms : ['MD5'] });
    this.codecPrefs = { inbound: o.config.inboundCodecPrefs, outbound: o.config.outboundCodecPrefs };
    const s = o.server;
    if (!s.accept.includes('application/dtmf-relay')) s.accept.push('application/dtmf-relay');
    s.handle('INVITE', (c) => void this.onInvite(c));
    for (const m of ['BYE', 'INFO', 'UPDATE']) s.handle(m, (c) => this.onInDialog(c));
    s.handle('OPTIONS', (c) => (getToTag(c.req) !== undefined ? this.onInDialog(c) : this.answerOptions(c)));
    s.stack.onAck((ack) => this.dialogs.match(ack)?.owner.onAck(ack));
    s.stack.onCancel((tx) => this.onCancel(tx));
    s.stack.onStrayResponse((res) => this.onStrayResponse(res));
  }

  get stack() {
    return this.server.stack;
  }

  get timers(): { T1: number; T2: number } {
    return this.server.stack.timers;
  }

  /** Live legs (inbound + outbound) this profile drives. */
  get legCount(): number {
    return this.inboundByTx.size + this.outboundByCallId.size;
  }

  commonHeaders(): Array<[string, string]> {
    return this.server.commonHeaders();
  }

  // ------------------------------------------------------------------ addresses

  private readonly outside = new Map<string, boolean>();

  /** Peer outside local-network-acl (§1.3): it gets ext-sip-ip / ext-rtp-ip. Cached per IP (bounded). */
  private isOutside(peerIp: string): boolean {
    const acl = this.config.localNetworkAcl;
    if (acl.length === 0 || !this.o.acls) return false;
    let v = this.outside.get(peerIp);
    if (v === undefined) {
      v = !checkAclRefs(acl, this.o.acls, peerIp).allowed;
      if (this.outside.size >= 4096) this.outside.clear();
      this.outside.set(peerIp, v);
    }
    return v;
  }

  contactFor(protocol: 'UDP' | 'TCP', peerIp: string): string {
    const bound = protocol === 'TCP' ? this.server.addresses.tcp : this.server.addresses.udp;
    const local = this.stack.localAddress(protocol, peerIp);
    const port = bound?.port ?? local?.port ?? this.config.sipPort;
    let host = bound?.address ?? local?.address ?? this.config.sipIp;
    if (this.config.extSipIp && this.isOutside(peerIp)) host = this.config.extSipIp;
    return `<sip:mod_sofia@${formatHost(host)}:${port}${protocol === 'TCP' ? ';transport=tcp' : ''}>`;
  }

  newMedia(peerIp: string, hooks: LegMediaHooks): LegMedia {
    const cfg = this.config;
    const bindIp = cfg.rtpIps[0] ?? cfg.sipIp;
    const sdpIp = cfg.extRtpIp && this.isOutside(peerIp) ? cfg.extRtpIp : bindIp;
    const g = this.o.globals;
    return new LegMedia({
      allocator: this.o.allocator,
      bindIp,
      sdpIp,
      clock: this.clock,
      log: this.log,
      mediaTimeoutMs: cfg.mediaTimeoutMs,
      holdTimeoutMs: cfg.mediaHoldTimeoutMs,
      dtmfType: cfg.dtmfType,
      rfc2833Pt: cfg.rfc2833Pt,
      suppressCng: cfg.suppressCng || (g?.get('suppress_cng') ?? '').toLowerCase() === 'true',
      liberalDtmf: (g?.get('rtp_liberal_dtmf') ?? '').toLowerCase() === 'true',
      signalingIp: peerIp,
    }, hooks);
  }

  policyFor(ch: Channel): NegotiationPolicy {
    const v = (ch.getVariable('rtp_codec_negotiation') ?? ch.getVariable('sip_codec_negotiation') ?? '').toLowerCase();
    return POLICIES.has(v) ? (v as NegotiationPolicy) : this.config.inboundCodecNegotiation;
  }

  prefsFor(ch: Pick<Channel, 'getVariable'>, direction: 'inbound' | 'outbound', originator?: LocalCodecPref[]): LocalCodecPref[] {
    return legCodecPrefs(ch, this.codecPrefs, direction, originator, this.config.disableTranscoding);
  }

  forget(leg: SipLeg): void {
    if (leg instanceof InboundLeg) {
      if (this.inboundByTx.get(leg.tx.id) === leg) this.inboundByTx.delete(leg.tx.id);
    } else if (leg instanceof OutboundLeg) {
      const id = leg.callId;
      if (id !== undefined && this.outboundByCallId.get(id) === leg) this.outboundByCallId.delete(id);
    }
  }

  // ------------------------------------------------------------------ inbound

  private answerOptions({ tx }: RequestContext): void {
    tx.reply(200, {
      headers: [['Allow', this.server.allow().join(', ')], ['Accept', 'application/sdp'], ...this.commonHeaders()],
    });
  }

  private reply(tx: ServerTransaction, status: number, reason?: string, headers: Array<[string, string]> = []): void {
    if (!tx.finalSent) tx.reply(status, { reason, headers: [...headers, ...this.commonHeaders()] });
  }

  private onInDialog({ tx, req, env }: RequestContext): void {
    const hit = this.dialogs.match(req);
    if (!hit) {
      this.counters.noDialog++;
      this.reply(tx, 481, 'Call/Transaction Does Not Exist');
      return;
    }
    hit.owner.onInDialogRequest(tx, req, env);
  }

  private onCancel(tx: ServerTransaction): void {
    const leg = this.inboundByTx.get(tx.id);
    if (leg) leg.onCancel();
    else if (!tx.finalSent) tx.reply(487, { reason: 'Request Terminated', headers: this.commonHeaders() });
  }

  /** A 2xx retransmitted after its transaction ended: ACK it again through the dialog. */
  private onStrayResponse(res: SipResponse): void {
    if (res.status < 200 || res.status >= 300) return;
    const key = responseDialogKey(res);
    if (key === undefined) return;
    const callId = getCallId(res);
    const leg = callId !== undefined ? this.outboundByCallId.get(callId) : undefined;
    if (leg && leg.dialog?.key === key) leg.reAck(res);
  }

  private async onInvite(ctx: RequestContext): Promise<void> {
    const { tx, req, env } = ctx;
    if (getToTag(req) !== undefined) return this.onInDialog(ctx);
    this.counters.invites++;
    const callId = getCallId(req) ?? '';
    // A loop through ourselves: our own B leg arriving back at the profile that sent it.
    if (this.outboundByCallId.has(callId)) {
      this.counters.loops++;
      return this.reply(tx, 482, 'Loop Detected');
    }
    if (this.closed || this.core.sessionLimitReached) return this.reply(tx, 503, 'Maximum Calls In Progress', [['Retry-After', '300']]);
    const contact = getContacts(req)[0];
    if (!contact || contact.wildcard) return this.reply(tx, 400, 'Missing Contact Header');

    const auth = authorizeInvite(
      {
        config: this.config,
        directory: this.o.directory,
        acls: this.o.acls,
        digest: this.digest,
        throttle: this.o.throttle,
        log: this.log,
        isOwnAddress: this.o.isOwnAddress,
      },
      req,
      env,
    );
    if (auth.kind === 'challenge') {
      this.counters.challenged++;
      return this.reply(tx, 407, 'Proxy Authentication Required', auth.headers);
    }
    if (auth.kind === 'forbidden') {
      this.counters.forbidden++;
      return this.reply(tx, 403, 'Forbidden');
    }

    const offer = sdpBody(req);
    if (offer === 'invalid') return this.reply(tx, 400, 'Bad Session Description');
    // A fresh object from inboundSipVariables: add the auth variables to it instead of spreading
    // both into a third (a spread of ~40 properties is V8's slow path).
    const vars: Record<string, string> = inboundSipVariables(req, env, this.name);
    const authVars = auth.vars;
    if (authVars) for (const k in authVars) vars[k] = authVars[k]!;
    const lookup = { getVariable: (n: string) => vars[n] };
    if (offer) {
      // ep_codec_string (§3.7): what the caller offered that our list also has, in offer order.
      const ep = offerCodecPrefs(offer, this.prefsFor(lookup, 'inbound'));
      if (ep.length === 0) {
        // Neither early nor late negotiation could ever answer this offer (§3.8).
        this.counters.rejectedNoCodec++;
        this.log.info({ callId }, 'CODEC NEGOTIATION ERROR: nothing in the offer is in our codec list');
        return this.reply(tx, 488, 'Not Acceptable Here', [['Reason', reasonHeaderFor('INCOMPATIBLE_DESTINATION')]]);
      }
      vars.ep_codec_string = formatPrefs(ep);
      vars.switch_r_sdp = req.body.toString('utf8');
    }
    const late = this.config.inboundLateNegotiation;
    vars.endpoint_disposition = late ? 'DELAYED NEGOTIATION' : 'EARLY MEDIA';

    const profile = inboundCallerProfile(req, env);
    const from = getFrom(req);
    let context = this.config.context === '_domain_' ? from?.uri.host ?? 'default' : this.config.context;
    context = auth.context ?? vars.user_context ?? context;
    const dialplan = vars.inbound_dialplan ?? this.config.dialplan;

    const leg = new InboundLeg(this, tx, req, env, offer, () =>
      this.digest.createChallenge({ realm: challengeRealm(this.config, req), clientIp: env.remote.address }).map((v) => ['Proxy-Authenticate', v] as [string, string]),
    );
    let ch: Channel;
    try {
      ch = this.core.createChannel({
        name: `sofia/${this.name}/${from?.uri.user ?? 'unknown'}@${from?.uri.host ?? env.remote.address}`,
        direction: 'inbound',
        profile: withRoute(profile, context, dialplan),
        driver: leg,
        variables: vars,
      });
    } catch (err) {
      this.log.error({ err }, 'cannot create channel');
      return this.reply(tx, 503, 'Service Unavailable');
    }
    leg.channel = ch;
    leg.log = lazyChild(ch.log, { callId });
    this.inboundByTx.set(tx.id, leg);
    // Through the index, not the leg itself: the INVITE transaction outlives the call (RFC 6026
    // Accepted, Timer L = 64*T1) and must not keep the finished leg and its channel alive.
    const txId = tx.id;
    tx.setEvents({ onFailure: () => this.inboundByTx.get(txId)?.onTransactionFailure() });
    leg.log.info({ from: vars.sip_from_user, to: profile.destination_number, context, network: env.remote.address }, 'inbound call');

    if (offer && !late) {
      let ok = false;
      try {
        ok = await leg.negotiateEarly();
      } catch (err) {
        leg.log.error({ err }, 'media setup failed');
        ch.hangup('SWITCH_CONGESTION');
        return;
      }
      if (!ok) {
        ch.hangup('INCOMPATIBLE_DESTINATION');
        return;
      }
    }
    if (!ch.up) return;
    void this.core.startInbound(ch);
  }

  // ------------------------------------------------------------------ outbound

  /** Originate one `sofia/<this profile>/<dest>` leg (the sofia endpoint calls this). */
  async originate(req: OriginateRequest, dest: string): Promise<OriginateOutcome> {
    if (this.closed) return { cause: 'DESTINATION_OUT_OF_ORDER' };
    let parsed: ParsedDest = parseSofiaDest(dest);
    if ('lookup' in parsed) {
      const domain = parsed.lookup.domain ?? this.config.forceRegisterDbDomain ?? this.config.sipIp;
      const contacts = this.o.locate ? await this.o.locate(parsed.lookup.user, domain) : [];
      if (contacts.length === 0) return { cause: 'USER_NOT_REGISTERED' };
      if (contacts.length > 1) return { dialString: contacts.map((c) => `sofia/${this.name}/${c}`).join(',') };
      parsed = parseSofiaDest(contacts[0]!);
      if (!('uri' in parsed)) return { cause: 'INVALID_URL' };
    }
    if ('cause' in parsed) return { cause: parsed.cause };
    if (req.cancel.aborted) return { cause: 'ORIGINATOR_CANCEL' };
    const a = req.originator;
    const mf = a?.getVariable('sip_max_forwards');
    let maxForwards = 70;
    if (mf !== undefined) {
      const next = nextHopFor(mf, parsed.uri);
      if (next < 0) return { cause: 'EXCHANGE_ROUTING_ERROR' };
      maxForwards = next;
    }
    const target = parsed.target;
    if (!target) return { cause: 'NO_ROUTE_DESTINATION' };

    const leg = new OutboundLeg(this, target, target.address, a);
    const ch = req.createChannel({ name: `sofia/${this.name}/${dest}`, driver: leg });
    leg.channel = ch;
    const aLeg = a?.driver instanceof SipLeg ? a.driver : undefined;
    const prefs = this.prefsFor(ch, 'outbound', aLeg?.originatorCodec());
    if (prefs.length === 0) {
      ch.hangup('INCOMPATIBLE_DESTINATION');
      return { channel: ch };
    }
    try {
      await leg.legMedia.ensureSession();
    } catch (err) {
      this.log.error({ err }, 'no RTP port for the outbound leg');
      ch.hangup('SWITCH_CONGESTION');
      return { channel: ch };
    }
    if (!ch.up) return { channel: ch };
    leg.legMedia.makeOffer(prefs);
    ch.setVariable('rtp_use_codec_string', formatPrefs(prefs));
    const callId = token(12);
    const fromTag = token(5);
    const host = target.protocol === 'TCP' ? this.server.addresses.tcp?.address : this.server.addresses.udp?.address;
    const fromHost = ch.getVariable('sip_invite_domain') ?? host ?? this.config.sipIp;
    const p = ch.profile;
    const display = p.caller_id_name ? `"${displayText(p.caller_id_name)}" ` : '';
    const fromUser = escapeUser((p.caller_id_number || 'anonymous').slice(0, 64));
    const headers: Array<[string, string]> = [
      ['Max-Forwards', String(maxForwards)],
      ['From', `${display}<sip:${fromUser}@${formatHost(fromHost)}>;tag=${fromTag}`],
      ['To', `<${parsed.toUri}>`],
      ['Call-ID', callId],
      ['CSeq', '1 INVITE'],
      ['Contact', this.contactFor(target.protocol, target.address)],
      ['Allow', 'INVITE, ACK, BYE, CANCEL, OPTIONS, INFO, UPDATE'],
      ['Content-Type', 'application/sdp'],
    ];
    for (const [k, v] of ch.variables()) {
      if (k.startsWith('sip_h_X-') || k.startsWith('sip_h_x-')) headers.push([k.slice(6), v.replace(/[\r\n]/g, ' ')]);
    }
    headers.push(...this.commonHeaders());
    const invite = createRequest({ method: 'INVITE', uri: parsed.uri, headers, body: leg.legMedia.localBody });
    ch.setVariable('sip_call_id', callId);
    ch.setVariable('sip_to_uri', parsed.toUri);
    ch.setVariable('sip_destination_url', parsed.toUri);
    leg.log = lazyChild(ch.log, { callId });
    this.outboundByCallId.set(callId, leg);
    this.counters.outbound++;
    try {
      leg.start(invite);
    } catch (err) {
      // SIP_TRANSPORT: nothing to send from toward that destination (an IPv6 contact registered
      // on an IPv4-only profile, say): the destination's problem, not ours, so a warning.
      const unreachable = err instanceof Error && (err as { code?: unknown }).code === 'SIP_TRANSPORT';
      const dest = `${target.protocol} ${target.address}:${target.port}`;
      if (unreachable) this.log.warn({ to: parsed.toUri, target: dest, reason: err.message }, 'INVITE not sent: destination unreachable from this profile');
      else this.log.error({ err, to: parsed.toUri }, 'INVITE not sent');
      ch.hangup('DESTINATION_OUT_OF_ORDER');
      return { channel: ch };
    }
    leg.log.info({ to: parsed.toUri, target: `${target.address}:${target.port}`, originator: a?.uuid }, 'outbound call');
    return { channel: ch };
  }

  /** Stop taking calls; live channels are the core's to hang up. Idempotent. */
  close(): void {
    this.closed = true;
  }
}
