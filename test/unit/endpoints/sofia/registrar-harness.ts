/**
 * Test rig for the registrar: a ProfileServer on a loop transport (FakeClock), a MemoryLocationStore,
 * a directory built from plain objects, and user agents that speak raw REGISTERs.
 */
import { createHash } from 'node:crypto';
import type { ConfigNode } from '../../../../src/config';
import { builtinAcls, type AclRegistry } from '../../../../src/config';
import { Directory } from '../../../../src/directory';
import { MemoryLocationStore, type LocationStore } from '../../../../src/endpoints/sofia/location';
import { ProfileServer } from '../../../../src/endpoints/sofia/profile-server';
import { Registrar } from '../../../../src/endpoints/sofia/registrar';
import { CollectingEventSink } from '../../../../src/endpoints/sofia/registrar-events';
import { registrarSettings, type RegistrarSettings } from '../../../../src/endpoints/sofia/registrar-settings';
import { answerChallenge } from '../../../../src/sip/auth';
import { parseMessage, type SipResponse } from '../../../../src/sip/message';
import { LoopNetwork, type LoopTransport } from '../../../../src/sip/transport/loop';
import type { TransportProtocol } from '../../../../src/sip/transport/types';
import { FakeClock } from '../../../../src/util/clock';
import { logger as rootLogger, type Logger } from '../../../../src/util/logger';

export const DOMAIN = 'example.test';
export const SERVER = { address: '127.0.0.1', port: 5060 };

function node(name: string, attrs: Record<string, string> = {}, children: ConfigNode[] = []): ConfigNode {
  return { name, attrs, children, file: 'test-directory', line: 1 };
}

export interface TestUser {
  id: string;
  params?: Record<string, string>;
  variables?: Record<string, string>;
  attrs?: Record<string, string>;
}

export function makeDirectory(users: TestUser[], domain = DOMAIN, acls?: AclRegistry): Directory {
  const userNodes = users.map((u) =>
    node('user', { id: u.id, ...u.attrs }, [
      node('params', {}, Object.entries(u.params ?? {}).map(([k, v]) => node('param', { name: k, value: v }))),
      node('variables', {}, Object.entries(u.variables ?? {}).map(([k, v]) => node('variable', { name: k, value: v }))),
    ]),
  );
  return Directory.fromConfig([node('domain', { name: domain }, [node('users', {}, userNodes)])], { defaultDomain: domain, acls });
}

export const DEFAULT_USERS: TestUser[] = [
  { id: '1000', params: { password: '1234' }, variables: { user_context: 'default' } },
  { id: '1001', params: { password: 'secret1001' } },
  { id: '1002', params: { password: 'pw', 'sip-forbid-register': 'true' } },
  { id: '1003', params: { password: 'pw', 'auth-acl': '10.0.0.0/8' } },
  { id: '1004', params: { password: 'pw', 'max-registrations-per-extension': '1' } },
  { id: '1005', params: { 'a1-hash': createHash('md5').update(`1005:${DOMAIN}:a1pw`).digest('hex') } },
  { id: '1006' },
  { id: '1007', params: { 'allow-empty-password': 'false' } },
];

export async function settle(clock: FakeClock, rounds = 6): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    clock.advance(0);
    await new Promise((r) => setImmediate(r));
  }
}

export interface RigOptions {
  settings?: Partial<RegistrarSettings>;
  users?: TestUser[];
  store?: LocationStore;
  acls?: AclRegistry;
  logger?: Logger;
}

export class RegistrarRig {
  readonly clock = new FakeClock();
  readonly net = new LoopNetwork(this.clock);
  readonly events = new CollectingEventSink();
  readonly acls: AclRegistry;
  server!: ProfileServer;
  registrar!: Registrar;
  store!: LocationStore;
  private readonly uas: TestUa[] = [];

  private constructor(acls: AclRegistry) {
    this.acls = acls;
  }

  static async create(o: RigOptions = {}): Promise<RegistrarRig> {
    const acls = o.acls ?? builtinAcls('192.0.2.0/24');
    const rig = new RegistrarRig(acls);
    const udp = rig.net.bind('UDP', SERVER.address, SERVER.port);
    const tcp = rig.net.bind('TCP', SERVER.address, SERVER.port);
    rig.server = await ProfileServer.start({
      name: 'internal',
      ip: SERVER.address,
      port: SERVER.port,
      noListen: true,
      stack: { clock: rig.clock, logger: rootLogger, transports: [udp, tcp] },
    });
    rig.store = o.store ?? new MemoryLocationStore({ clock: rig.clock });
    rig.registrar = new Registrar({
      profile: 'internal',
      settings: registrarSettings({ authAlgorithms: ['SHA-256', 'MD5'], ...o.settings }),
      store: rig.store,
      directory: makeDirectory(o.users ?? DEFAULT_USERS, DOMAIN, acls),
      acls,
      clock: rig.clock,
      logger: o.logger ?? rootLogger,
      events: rig.events,
    }).attach(rig.server);
    return rig;
  }

  auth(): { verifications: number; unknownUser: number } {
    return this.registrar.auth.counters;
  }

  ua(address: string, port = 5062, protocol: TransportProtocol = 'UDP'): TestUa {
    const ua = new TestUa(this, this.net.bind(protocol, address, port), protocol);
    this.uas.push(ua);
    return ua;
  }

  async close(): Promise<void> {
    await this.registrar.close();
    await this.server.close();
    await this.store.close();
  }
}

export interface RegisterOptions {
  user?: string;
  /** Contact header value(s); undefined = `<sip:USER@UA-IP:UA-PORT>`; null = no Contact (a query). */
  contact?: string | null;
  expires?: number;
  authorization?: string;
  callId?: string;
  cseq?: number;
  requestUri?: string;
  toHost?: string;
  extraHeaders?: string[];
  via?: string;
}

let seq = 0;

export class TestUa {
  readonly responses: SipResponse[] = [];
  callId: string;
  cseq = 1;

  constructor(
    private readonly rig: RegistrarRig,
    readonly transport: LoopTransport,
    readonly protocol: TransportProtocol,
  ) {
    this.callId = `reg-${++seq}@${transport.local.address}`;
    transport.setHandler({
      onFrame: (f) => {
        const r = parseMessage(f.data);
        if (r.ok && r.msg.type === 'response') this.responses.push(r.msg);
      },
    });
  }

  get address(): string {
    return this.transport.local.address;
  }

  text(o: RegisterOptions = {}): string {
    const user = o.user ?? '1000';
    const host = o.toHost ?? DOMAIN;
    const { address, port } = this.transport.local;
    const cseq = o.cseq ?? this.cseq++;
    const lines = [
      `REGISTER ${o.requestUri ?? `sip:${host}`} SIP/2.0`,
      o.via ?? `Via: SIP/2.0/${this.protocol} ${address}:${port};branch=z9hG4bK${Math.random().toString(16).slice(2)};rport`,
      'Max-Forwards: 70',
      `From: <sip:${user}@${host}>;tag=${Math.random().toString(16).slice(2, 10)}`,
      `To: <sip:${user}@${host}>`,
      `Call-ID: ${o.callId ?? this.callId}`,
      `CSeq: ${cseq} REGISTER`,
      'User-Agent: test-ua/1.0',
    ];
    if (o.contact !== null) lines.push(`Contact: ${o.contact ?? `<sip:${user}@${address}:${port}>`}`);
    if (o.expires !== undefined) lines.push(`Expires: ${o.expires}`);
    if (o.authorization) lines.push(`Authorization: ${o.authorization}`);
    for (const h of o.extraHeaders ?? []) lines.push(h);
    lines.push('Content-Length: 0', '', '');
    return lines.join('\r\n');
  }

  /** Send one REGISTER (raw text or options) and return the final response it got. */
  async send(o: RegisterOptions | string = {}): Promise<SipResponse> {
    const before = this.responses.length;
    const text = typeof o === 'string' ? o : this.text(o);
    this.transport.send(Buffer.from(text), { protocol: this.protocol, address: SERVER.address, port: SERVER.port });
    await settle(this.rig.clock);
    const got = this.responses.slice(before).filter((r) => r.status >= 200);
    if (got.length !== 1) throw new Error(`expected one final response, got ${got.length}`);
    return got[0]!;
  }

  /** REGISTER, answer the 401 with the password, return the second response. */
  async register(o: RegisterOptions & { username?: string; password: string }): Promise<{ first: SipResponse; final: SipResponse; authorization?: string }> {
    const first = await this.send(o);
    if (first.status !== 401) return { first, final: first };
    const ans = answerChallenge({
      challenge: first.headers.getAll('www-authenticate'),
      method: 'REGISTER',
      uri: o.requestUri ?? `sip:${o.toHost ?? DOMAIN}`,
      username: o.username ?? o.user ?? '1000',
      password: o.password,
    });
    const final = await this.send({ ...o, authorization: ans.header });
    return { first, final, authorization: ans.header };
  }
}

export function contactsOf(r: SipResponse): string[] {
  return r.headers.getAll('contact');
}
