/**
 * Test rig for call handling: the profile server and two phones on one loop network (real clock,
 * short SIP timers), a core with the dptools apps and a table-driven dialplan, and real RTP
 * sockets on 127.0.0.1 for the legs' media.
 *
 *   phone A (127.0.0.10:5060) ──INVITE──▶ profile "test" (127.0.0.1:5060) ──INVITE──▶ phone B (127.0.0.2:5060)
 */
import { tmpdir } from 'node:os';
import { builtinAcls, ConfigProblems, type AclRegistry, type ConfigNode, type ProfileConfig } from '../../../../src/config';
import { loadProfile } from '../../../../src/config/profile';
import { Core, type DialplanAction, type DialplanProvider } from '../../../../src/core';
import { registerDptools } from '../../../../src/apps';
import { Directory } from '../../../../src/directory';
import { PortAllocator } from '../../../../src/media';
import { ProfileServer } from '../../../../src/endpoints/sofia/profile-server';
import { SofiaEndpoint, SofiaProfile, userEndpoint } from '../../../../src/endpoints/sofia';
import {
  createRequest,
  createResponse,
  formatNameAddr,
  formatVia,
  getParam,
  getRoutes,
  getVias,
  parseMessage,
  serialize,
  getCSeq,
  getToTag,
  makeCancel,
  SipStack,
  type ClientTransaction,
  type ServerTransaction,
  type SipRequest,
  type SipResponse,
} from '../../../../src/sip';
import { answerChallenge } from '../../../../src/sip/auth';
import { Dialog, targetForUri } from '../../../../src/sip/dialog';
import { LoopNetwork, type LoopTransport } from '../../../../src/sip/transport/loop';
import { realClock } from '../../../../src/util/clock';
import { token } from '../../../../src/util/ids';

export const TIMERS = { T1: 40, T2: 320, T4: 400 };
export const SERVER = { address: '127.0.0.1', port: 5060 };

function node(name: string, attrs: Record<string, string> = {}, children: ConfigNode[] = []): ConfigNode {
  return { name, attrs, children, file: 'test', line: 1 };
}

export function profileConfig(name: string, params: Record<string, string>, acls: AclRegistry): ProfileConfig {
  const settings = node('settings', {}, Object.entries(params).map(([k, v]) => node('param', { name: k, value: v })));
  const problems = new ConfigProblems();
  const cfg = loadProfile(node('profile', { name }, [settings]), { acls, localIpV4: '127.0.0.1', localIpV6: '::1', dataDir: tmpdir(), directory: [] }, problems);
  problems.throwIfErrors();
  if (!cfg) throw new Error('profile did not load');
  return cfg;
}

export function sdp(port: number, codecs: Array<[number, string]> = [[0, 'PCMU/8000']], direction = 'sendrecv', ip = '127.0.0.1'): string {
  const pts = codecs.map(([pt]) => pt).join(' ');
  return [
    'v=0',
    `o=phone 1 1 IN IP4 ${ip}`,
    's=-',
    `c=IN IP4 ${ip}`,
    't=0 0',
    `m=audio ${port} RTP/AVP ${pts} 101`,
    ...codecs.map(([pt, c]) => `a=rtpmap:${pt} ${c}`),
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-15',
    `a=${direction}`,
    '',
  ].join('\r\n');
}

export async function waitFor(cond: () => boolean, ms = 3000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** What the phone answers to an incoming INVITE. */
export type PhoneBehaviour =
  | { kind: 'answer'; ringMs?: number; sdp?: string; recordRoute?: string; early?: boolean }
  | { kind: 'reject'; status: number; ringMs?: number }
  | { kind: 'ring' }
  | { kind: 'silent' };

export interface IncomingCall {
  invite: SipRequest;
  tx: ServerTransaction;
  dialog?: Dialog;
  cancelled: boolean;
  acked: boolean;
  requests: SipRequest[];
}

/** A scriptable SIP phone on the loop network. */
export class Phone {
  readonly stack: SipStack;
  readonly incoming: IncomingCall[] = [];
  behaviour: PhoneBehaviour = { kind: 'answer' };
  readonly address: string;
  readonly transport: LoopTransport;

  constructor(net: LoopNetwork, address: string, readonly user: string) {
    this.address = address;
    const t = net.bind('UDP', address, 5060);
    this.transport = t;
    this.stack = new SipStack({ transports: [t], timers: TIMERS, clock: realClock });
    this.stack.onRequest((tx, req) => this.onRequest(tx, req));
    this.stack.onCancel((tx) => {
      const c = this.incoming.find((x) => x.tx === tx);
      if (c) c.cancelled = true;
      if (!tx.finalSent) tx.reply(487);
    });
    this.stack.onAck((ack) => {
      const c = this.incoming.find((x) => x.dialog?.key && x.invite.headers.get('call-id') === ack.headers.get('call-id'));
      if (c) {
        c.acked = true;
        c.requests.push(ack);
      }
    });
  }

  get contact(): string {
    return `<sip:${this.user}@${this.address}:5060>`;
  }

  private onRequest(tx: ServerTransaction, req: SipRequest): void {
    if (req.method === 'INVITE' && getToTag(req) === undefined) return this.onInvite(tx, req);
    const callId = req.headers.get('call-id');
    const c = this.incoming.find((x) => x.invite.headers.get('call-id') === callId);
    const out = this.outgoing.find((x) => x.invite.headers.get('call-id') === callId);
    (c?.requests ?? out?.requests)?.push(req);
    if (req.method === 'INVITE') {
      // re-INVITE: answer mirroring the direction (RFC 3264 §6.1).
      const body = req.body.toString();
      const dir = body.includes('a=sendonly') ? 'recvonly' : body.includes('a=inactive') ? 'inactive' : 'sendrecv';
      tx.reply(200, { headers: [['Contact', this.contact], ['Content-Type', 'application/sdp']], body: Buffer.from(sdp(this.rtpPort, [[0, 'PCMU/8000']], dir, this.address)) });
      return;
    }
    if (!c && !out) {
      tx.reply(481);
      return;
    }
    tx.reply(200);
  }

  rtpPort = 40000;

  private onInvite(tx: ServerTransaction, req: SipRequest): void {
    const call: IncomingCall = { invite: req, tx, cancelled: false, acked: false, requests: [] };
    this.incoming.push(call);
    const b = this.behaviour;
    if (b.kind === 'silent') return;
    const ring = (): void => {
      call.dialog ??= Dialog.asUas(req, tx.toTag, this.contact);
      if (b.kind === 'answer' && b.early) {
        tx.reply(183, { headers: [['Contact', this.contact], ['Content-Type', 'application/sdp']], body: Buffer.from(sdp(this.rtpPort, [[0, 'PCMU/8000']], 'sendrecv', this.address)) });
        return;
      }
      tx.reply(180, { headers: [['Contact', this.contact]] });
    };
    if (b.kind === 'ring') return ring();
    const finish = (): void => {
      if (tx.finalSent) return;
      if (b.kind === 'reject') {
        tx.reply(b.status);
        return;
      }
      // A proxy between us and the B2BUA would have put its Record-Route into the request and
      // we would copy it into the 200 (§12.1.1); here the phone plays both roles.
      const rr: Array<[string, string]> = b.recordRoute ? [['Record-Route', b.recordRoute]] : [];
      if (b.recordRoute) req.headers.prepend('Record-Route', b.recordRoute);
      call.dialog ??= Dialog.asUas(req, tx.toTag, this.contact);
      call.dialog.confirm();
      tx.reply(200, {
        headers: [...rr, ['Contact', this.contact], ['Content-Type', 'application/sdp']],
        body: Buffer.from(b.sdp ?? sdp(this.rtpPort, [[0, 'PCMU/8000']], 'sendrecv', this.address)),
      });
    };
    if (b.ringMs !== undefined) {
      ring();
      setTimeout(finish, b.ringMs);
    } else finish();
  }

  // ---------------------------------------------------------------- calling out

  readonly outgoing: OutgoingCall[] = [];

  /** Send an INVITE to the server; credentials answer a 407 once when given. */
  call(dest: string, opts: CallOptions = {}): OutgoingCall {
    const c = new OutgoingCall(this, dest, opts);
    this.outgoing.push(c);
    c.send();
    return c;
  }
}

export interface CallOptions {
  sdp?: string;
  password?: string;
  headers?: Array<[string, string]>;
  /** Send the INVITE to this outbound proxy instead of the server. */
  proxy?: { address: string; port: number };
  /** Never ACK a 2xx (a broken or vanished caller). */
  noAck?: boolean;
}

export class OutgoingCall {
  readonly responses: SipResponse[] = [];
  readonly requests: SipRequest[] = [];
  invite!: SipRequest;
  dialog: Dialog | undefined;
  tx: ClientTransaction | undefined;
  private cseq = 1;
  readonly callId = token(8) + '@a';
  readonly fromTag = token(4);

  constructor(
    readonly phone: Phone,
    readonly dest: string,
    readonly opts: CallOptions,
  ) {}

  private get firstHop(): { protocol: 'UDP'; address: string; port: number } {
    return { protocol: 'UDP', ...(this.opts.proxy ?? SERVER) };
  }

  /** Where in-dialog requests go: the dialog's next hop (route set, RFC 3261 §12.2.1.1). */
  get dialogHop(): { protocol: 'UDP' | 'TCP'; address: string; port: number } {
    return (this.dialog && targetForUri(this.dialog.nextHopUri())) ?? this.firstHop;
  }

  get finalStatus(): number | undefined {
    return this.responses.find((r) => r.status >= 200)?.status;
  }

  has(status: number): boolean {
    return this.responses.some((r) => r.status === status);
  }

  send(auth?: string): void {
    const uri = `sip:${this.dest}@${SERVER.address}:${SERVER.port}`;
    const headers: Array<[string, string]> = [
      ['From', `"${this.phone.user}" <sip:${this.phone.user}@${SERVER.address}>;tag=${this.fromTag}`],
      ['To', `<${uri}>`],
      ['Call-ID', this.callId],
      ['CSeq', `${this.cseq} INVITE`],
      ['Contact', this.phone.contact],
      ...(this.opts.headers ?? []),
    ];
    if (auth) headers.push(['Proxy-Authorization', auth]);
    const body = this.opts.sdp ?? sdp(this.phone.rtpPort, [[0, 'PCMU/8000']], 'sendrecv', this.phone.address);
    if (body) headers.push(['Content-Type', 'application/sdp']);
    this.invite = createRequest({ method: 'INVITE', uri, headers, body: Buffer.from(body) });
    this.tx = this.phone.stack.sendRequest(this.invite, this.firstHop, {
      onResponse: (res) => this.onResponse(res),
    });
  }

  private onResponse(res: SipResponse): void {
    this.responses.push(res);
    if (res.status === 407 && this.opts.password && !this.invite.headers.has('proxy-authorization')) {
      const a = answerChallenge({
        challenge: res.headers.getAll('proxy-authenticate'),
        method: 'INVITE',
        uri: `sip:${this.dest}@${SERVER.address}:${SERVER.port}`,
        username: this.phone.user,
        password: this.opts.password,
        algorithms: ['MD5'],
      });
      this.cseq++;
      this.send(a.header);
      return;
    }
    if (res.status >= 200 && res.status < 300) {
      if (!this.dialog) this.dialog = Dialog.asUac(this.invite, res, this.phone.contact);
      if (this.opts.noAck) return;
      const seq = getCSeq(res)!.seq;
      this.phone.stack.sendAck(this.dialog!.createAck(seq), this.dialogHop);
    }
  }

  cancel(): void {
    this.phone.stack.sendRequest(makeCancel(this.invite), this.firstHop);
  }

  /** Send a request in the dialog; resolves with the final response. */
  request(method: string, opts: { body?: string; headers?: Array<[string, string]> } = {}): Promise<SipResponse> {
    return new Promise((resolve, reject) => {
      const d = this.dialog;
      if (!d) return reject(new Error('no dialog'));
      const headers: Array<[string, string]> = [...(opts.headers ?? [])];
      if (opts.body && !headers.some(([k]) => k.toLowerCase() === 'content-type')) headers.push(['Content-Type', 'application/sdp']);
      const req = d.createRequest(method, { headers, body: opts.body ? Buffer.from(opts.body) : undefined });
      this.phone.stack.sendRequest(req, this.dialogHop, {
        onFinal: (res) => {
          if (method === 'INVITE' && res.status < 300) this.phone.stack.sendAck(d.createAck(getCSeq(res)!.seq), this.dialogHop);
          resolve(res);
        },
        onTimeout: () => reject(new Error(`${method} timed out`)),
      });
    });
  }
}

export interface RigOptions {
  profile?: Record<string, string>;
  /** destination_number -> actions. */
  routes?: Record<string, DialplanAction[]>;
  users?: Array<{ id: string; password: string; vars?: Record<string, string> }>;
}

/** Everything wired: server profile "test", phones a (1000) and b (1001). */
export class CallRig {
  readonly net = new LoopNetwork(realClock);
  readonly acls = builtinAcls('127.0.0.0/8');
  readonly core = new Core({ clock: realClock, finalizeGraceMs: 500 });
  readonly allocator = new PortAllocator({ ip: '127.0.0.1', startPort: 31000, endPort: 31999 });
  server!: ProfileServer;
  profile!: SofiaProfile;
  readonly a: Phone;
  readonly b: Phone;
  readonly endpoint = new SofiaEndpoint();

  constructor(private readonly o: RigOptions = {}) {
    this.a = new Phone(this.net, '127.0.0.10', '1000');
    this.b = new Phone(this.net, '127.0.0.2', '1001');
    this.a.rtpPort = 40010;
    this.b.rtpPort = 40020;
  }

  async start(): Promise<this> {
    registerDptools(this.core);
    const routes = this.o.routes ?? {};
    const dp: DialplanProvider = {
      name: 'XML',
      async hunt(ch) {
        const actions = routes[ch.profile.destination_number];
        return actions ? { extension: ch.profile.destination_number, actions } : undefined;
      },
    };
    this.core.dialplans.register(dp);
    const t = this.net.bind('UDP', SERVER.address, SERVER.port);
    this.server = await ProfileServer.start({ name: 'test', ip: SERVER.address, port: SERVER.port, noListen: true, stack: { transports: [t], timers: TIMERS, clock: realClock } });
    const cfg = profileConfig(
      'test',
      {
        'inbound-codec-prefs': 'PCMU,PCMA',
        'outbound-codec-prefs': 'PCMU,PCMA',
        'inbound-late-negotiation': 'true',
        'auth-calls': 'false',
        'media-timeout': '0',
        'local-network-acl': 'none',
        context: 'default',
        'challenge-realm': 'auto_to',
        ...this.o.profile,
      },
      this.acls,
    );
    const users = this.o.users ?? [];
    const dir = Directory.fromConfig(
      [
        node('domain', { name: '127.0.0.1' }, [
          node('users', {}, users.map((u) =>
            node('user', { id: u.id }, [
              node('params', {}, [node('param', { name: 'password', value: u.password })]),
              node('variables', {}, Object.entries(u.vars ?? {}).map(([k, v]) => node('variable', { name: k, value: v }))),
            ]),
          )),
        ]),
      ],
      { defaultDomain: '127.0.0.1' },
    );
    this.profile = new SofiaProfile({ server: this.server, config: cfg, core: this.core, allocator: this.allocator, directory: dir, acls: this.acls, clock: realClock });
    this.endpoint.add(this.profile);
    this.core.endpoints.register(this.endpoint);
    this.core.endpoints.register(userEndpoint({ directory: dir, core: this.core, defaultDomain: '127.0.0.1' }));
    return this;
  }

  async stop(): Promise<void> {
    await this.core.close(1000);
    await this.server.close();
    await this.a.stack.close();
    await this.b.stack.close();
  }
}

export { createResponse };

/**
 * A minimal record-routing stateless proxy (RFC 3261 §16.6 steps 4-8, §16.7 step 3, §16.12):
 * pops a Route naming itself, record-routes dialog-creating INVITEs, adds its Via, forwards to the
 * next Route or the Request-URI; responses go back by the next Via.
 */
export class MiniProxy {
  readonly transport: LoopTransport;
  readonly seen: string[] = [];
  private n = 0;

  constructor(net: LoopNetwork, readonly address: string) {
    this.transport = net.bind('UDP', address, 5060);
    this.transport.setHandler({ onFrame: (f) => this.onFrame(f.data, f.remote) });
  }

  private onFrame(data: Buffer, remote: { address: string; port: number }): void {
    const r = parseMessage(data);
    if (!r.ok) return;
    const m = r.msg;
    const h = m.headers;
    if (m.type === 'response') {
      h.deleteFirst('via');
      const next = getVias(m)[0];
      if (!next) return;
      this.seen.push(`${m.status} ${getCSeq(m)?.method}`);
      this.transport.send(serialize(m), { protocol: 'UDP', address: getParam(next.params, 'received') ?? next.host, port: next.port ?? 5060 });
      return;
    }
    this.seen.push(m.method);
    const routes = getRoutes(m);
    if (routes[0] && routes[0].uri.host === this.address) {
      h.delete('route');
      for (const rr of routes.slice(1)) h.append('Route', formatNameAddr(rr));
    }
    if (m.method === 'INVITE' && getToTag(m) === undefined) h.prepend('Record-Route', `<sip:${this.address};lr>`);
    const top = getVias(m)[0]!;
    // RFC 3581: stamp received/rport on the previous hop's Via so responses find it.
    const via = { ...top, params: [...top.params.filter(([k]) => k !== 'received' && k !== 'rport'), ['received', remote.address], ['rport', String(remote.port)]] as Array<[string, string | null]> };
    h.deleteFirst('via');
    h.prepend('Via', formatVia(via));
    h.prepend('Via', `SIP/2.0/UDP ${this.address}:5060;branch=z9hG4bKproxy${++this.n}x${token(3)}`);
    const rest = getRoutes(m);
    const hop = rest[0] ? rest[0].uri : m.uri;
    const t = targetForUri(hop);
    if (t) this.transport.send(serialize(m), t);
  }
}
