/**
 * startRegistrars on the shipped conf/: one SQLite store per profile in data-dir, profile params
 * mapped to the registrar, bindings expired while down purged on open, and the core hook
 * (sofia::register on the event bus, sofia_contact in the API registry).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfigSync } from '../../../../src/config';
import { Core, type CoreEvent } from '../../../../src/core';
import { Directory } from '../../../../src/directory';
import { SqliteLocationStore } from '../../../../src/endpoints/sofia/location';
import { ProfileServer } from '../../../../src/endpoints/sofia/profile-server';
import { startRegistrars, type RunningRegistrars } from '../../../../src/endpoints/sofia/registrar-setup';
import { registrarSettingsFromProfile } from '../../../../src/endpoints/sofia/registrar-settings';
import { answerChallenge } from '../../../../src/sip/auth';
import { parseMessage, type SipResponse } from '../../../../src/sip/message';
import { LoopNetwork } from '../../../../src/sip/transport/loop';
import { FakeClock } from '../../../../src/util/clock';
import { logger } from '../../../../src/util/logger';
import { FAKE_INTERFACES } from '../../config/helpers';

const CONF = resolve(__dirname, '../../../../conf');
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

function load(dataDir: string) {
  return loadConfigSync({
    confDir: CONF,
    overrides: { local_ip_v4: '127.0.0.1', data_dir: dataDir, internal_sip_port: '5060', external_sip_port: '5080' },
    interfaces: FAKE_INTERFACES,
    logWarnings: false,
  });
}

describe('registrar settings from the shipped internal profile', () => {
  it('maps the vanilla params', () => {
    const c = load('/nonexistent');
    const s = registrarSettingsFromProfile(c.profiles.find((p) => p.name === 'internal')!);
    expect(s).toMatchObject({
      challengeRealm: 'auto_from',
      forceRegisterDomain: '127.0.0.1',
      forceRegisterDbDomain: '127.0.0.1',
      forceMatchingUsername: true,
      nonceTtl: 60,
      authAlgorithms: ['MD5'],
      multipleRegistrations: 'off',
      logAuthFailures: true,
      authFailMax: 5,
      authFailWindow: 60,
      authBanTime: 300,
      expiresLateMargin: 60,
      sweepInterval: 30,
      acceptBlindReg: false,
    });
    expect(s.applyNatAcl.map((r) => r.text)).toEqual(['nat.auto']);
    expect(s.localNetworkAcl.map((r) => r.text)).toEqual(['localnet.auto']);
  });
});

describe('startRegistrars', () => {
  it('opens a store per profile in data-dir, purges what expired while down, registers over the profile, feeds the core', async () => {
    const data = mkdtempSync(join(tmpdir(), 'strowger-reg-'));
    cleanup.push(() => rmSync(data, { recursive: true, force: true }));
    const clock = new FakeClock(Date.now());
    // A binding left by a previous run that expired while we were down.
    const old = SqliteLocationStore.open({ dir: data, fileName: 'sofia_reg_internal.db' });
    await old.add({
      profile: 'internal', user: '1001', host: '127.0.0.1', contact: 'sip:1001@127.0.0.9', callId: 'old', cseq: 1, expiresAt: Date.now() - 1000,
      q: null, transport: 'UDP', receivedIp: '127.0.0.9', receivedPort: 5060, localIp: '127.0.0.1', localPort: 5060, userAgent: '',
      status: 'Registered(UDP)', nat: false, routeTarget: null, authUsername: null, authRealm: null,
    });
    await old.close();

    const config = load(data);
    const net = new LoopNetwork(clock);
    const servers = await Promise.all(
      config.profiles.map((p) =>
        ProfileServer.start({ name: p.name, ip: '127.0.0.1', port: p.sipPort, noListen: true, stack: { clock, logger, transports: [net.bind('UDP', '127.0.0.1', p.sipPort)] } }),
      ),
    );
    cleanup.push(async () => void (await Promise.all(servers.map((s) => s.close()))));
    const directory = Directory.fromConfig(config.directory, { defaultDomain: config.globals.get('domain'), acls: config.acls });
    const regs: RunningRegistrars = startRegistrars({ config, directory, profiles: servers, clock, logger });
    cleanup.push(() => regs.close());
    expect(regs.registrars.map((r) => r.profile).sort()).toEqual(['external', 'internal']);
    const internalStore = regs.stores[regs.registrars.findIndex((r) => r.profile === 'internal')] as SqliteLocationStore;
    expect(internalStore.path).toBe(join(data, 'sofia_reg_internal.db'));
    expect(internalStore.purgedOnOpen).toBe(1);

    const core = new Core({ clock, logger, heartbeatSec: 0 });
    cleanup.push(() => core.close());
    regs.attachCore(core);
    const events: CoreEvent[] = [];
    core.events.on('CUSTOM', (e) => events.push(e));

    // REGISTER 1000/1234 to the internal profile over the loop network.
    const phone = net.bind('UDP', '127.0.0.5', 5062);
    const got: SipResponse[] = [];
    phone.setHandler({ onFrame: (f) => { const r = parseMessage(f.data); if (r.ok && r.msg.type === 'response') got.push(r.msg); } });
    const reg = (cseq: number, auth?: string) =>
      [
        'REGISTER sip:127.0.0.1 SIP/2.0',
        `Via: SIP/2.0/UDP 127.0.0.5:5062;branch=z9hG4bKsetup${cseq};rport`,
        'Max-Forwards: 70',
        'From: <sip:1000@127.0.0.1>;tag=abc',
        'To: <sip:1000@127.0.0.1>',
        'Call-ID: setup-1',
        `CSeq: ${cseq} REGISTER`,
        'Contact: <sip:1000@127.0.0.5:5062>',
        ...(auth ? [`Authorization: ${auth}`] : []),
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n');
    const settle = async () => {
      for (let i = 0; i < 6; i++) {
        clock.advance(0);
        await new Promise((r) => setImmediate(r));
      }
    };
    phone.send(Buffer.from(reg(1)), { protocol: 'UDP', address: '127.0.0.1', port: 5060 });
    await settle();
    expect(got.map((r) => r.status)).toEqual([401]);
    const ans = answerChallenge({ challenge: got[0]!.headers.getAll('www-authenticate'), method: 'REGISTER', uri: 'sip:127.0.0.1', username: '1000', password: '1234' });
    phone.send(Buffer.from(reg(2, ans.header)), { protocol: 'UDP', address: '127.0.0.1', port: 5060 });
    await settle();
    expect(got.map((r) => r.status)).toEqual([401, 200]);

    expect(events.map((e) => e.subclass)).toEqual(['sofia::pre_register', 'sofia::register']);
    const h = events[1]!.headers;
    expect(h.get('Event-Name')).toBe('CUSTOM');
    expect(h.get('Event-Subclass')).toBe('sofia::register');
    expect(h.get('profile-name')).toBe('internal');
    expect(h.get('status')).toBe('Registered(UDP)');
    expect(h.get('presence-hosts')).toBe('127.0.0.1,127.0.0.1');
    expect(h.get('effective_caller_id_name')).toBe('Extension 1000');

    expect(await core.api('sofia_contact 1000@127.0.0.1')).toBe('sofia/internal/sip:1000@127.0.0.5:5062');
    expect(await core.api('sofia_contact internal/1000@127.0.0.1')).toBe('sofia/internal/sip:1000@127.0.0.5:5062');
    expect(await core.api('sofia_contact 1001@127.0.0.1')).toBe('error/user_not_registered');
    expect(regs.get('internal')!.counters.updates).toBe(1);

    await regs.close();
    await regs.close();
  });
});
