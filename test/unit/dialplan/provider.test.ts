/**
 * The XML provider inside a real Core: routing -> execution through the core's session runner,
 * transfer re-entering routing, inline actions through core.executeApplication, no route.
 * Applications are small recording stand-ins registered here (src/apps has the real ones).
 */
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfigSync } from '../../../src/config';
import { Core, parseCause, type AppDefinition, type Channel, type ChannelDriver, type HangupCause } from '../../../src/core';
import { dialplanFromConfig, loadDialplanFiles, registerXmlDialplan, XmlDialplan, type DialplanModel } from '../../../src/dialplan';
import { FakeClock } from '../../../src/util/clock';
import { FAKE_INTERFACES } from '../config/helpers';
import { FIXTURES, ROOT, WED_1030_UTC } from './helpers';

const cores: Core[] = [];
afterEach(async () => {
  await Promise.all(cores.splice(0).map((c) => c.close(0)));
});

function shipped(): DialplanModel {
  const c = loadConfigSync({ confDir: resolve(ROOT, 'conf'), overrides: { local_ip_v4: '127.0.0.1' }, interfaces: FAKE_INTERFACES, logWarnings: false });
  return dialplanFromConfig(c);
}

function setup(model: DialplanModel) {
  const clock = new FakeClock(WED_1030_UTC);
  const core = new Core({ clock, globals: { domain_name: '127.0.0.1' }, coreApis: false, heartbeatSec: 0, finalizeGraceMs: 0 });
  cores.push(core);
  const ran: string[] = [];
  const app = (name: string, handler: AppDefinition['handler'], routingSafe = false): void => {
    core.apps.register({ name, syntax: '', summary: name, flags: { routingSafe }, handler: (ch, data, ctx) => {
      ran.push(`${name} ${data}`.trimEnd());
      return handler(ch, data, ctx);
    } });
  };
  app('set', (ch, data) => {
    const eq = data.indexOf('=');
    ch.setVariable(data.slice(0, eq), data.slice(eq + 1));
  }, true);
  app('export', (ch, data) => {
    const eq = data.indexOf('=');
    ch.exportVariable(data.slice(0, eq), data.slice(eq + 1));
  }, true);
  app('log', () => undefined, true);
  app('answer', () => undefined);
  app('echo', () => undefined);
  app('transfer', (ch, data, { core: c }) => {
    const [dest, dp, context] = data.split(' ');
    c.transfer(ch, dest!, dp, context);
  });
  // The bridge stand-in fails like an unregistered user would.
  app('bridge', (ch) => {
    ch.setVariable('originate_disposition', 'USER_NOT_REGISTERED');
  });
  app('hangup', (ch, data) => ch.hangup(parseCause(data) ?? 'NORMAL_CLEARING'));
  const dialplan = registerXmlDialplan(core, model, { defaultTimeZone: 'UTC' });
  return { core, ran, dialplan };
}

function call(core: Core, context: string, destination: string, callerNumber = '1000'): { ch: Channel; causes: HangupCause[] } {
  const causes: HangupCause[] = [];
  const driver: ChannelDriver = {
    answer: async () => {},
    preAnswer: async () => {},
    ringReady: async () => {},
    hangup: (c) => causes.push(c),
    media: () => undefined,
  };
  const ch = core.createChannel({
    name: `sofia/internal/${callerNumber}@127.0.0.1`,
    direction: 'inbound',
    driver,
    profile: { caller_id_name: 'Alice', caller_id_number: callerNumber, destination_number: destination, context, network_addr: '127.0.0.1', source: 'mod_sofia' },
  });
  return { ch, causes };
}

describe('XmlDialplan in the core', () => {
  it('registers as the "XML" dialplan', () => {
    const { core, dialplan } = setup(shipped());
    expect(core.dialplans.get('XML')).toBe(dialplan);
    expect(dialplan).toBeInstanceOf(XmlDialplan);
  });

  it('public 1001 -> transfer -> default -> bridge user/1001@127.0.0.1 -> hangup with the bridge failure', async () => {
    const { core, ran } = setup(shipped());
    const { ch, causes } = call(core, 'public', '1001');
    await core.startInbound(ch);
    expect(ran).toEqual([
      'transfer 1001 XML default',
      'export dialed_extension=1001',
      'set call_timeout=30',
      'set hangup_after_bridge=true',
      'set continue_on_fail=true',
      'export media_mix_inbound_outbound_codecs=true',
      'bridge user/1001@127.0.0.1',
      'hangup USER_NOT_REGISTERED',
    ]);
    expect(ch.profile.context).toBe('default');
    expect(ch.getVariable('current_extension')).toBe('Local_Extension');
    expect(ch.exportedVariables()).toEqual({ dialed_extension: '1001', media_mix_inbound_outbound_codecs: 'true' });
    expect(causes).toEqual(['USER_NOT_REGISTERED']);
  });

  it('default 9196 -> answer, echo, then NORMAL_CLEARING at the end of the plan', async () => {
    const { core, ran } = setup(shipped());
    const { ch } = call(core, 'default', '9196');
    await core.startInbound(ch);
    expect(ran).toEqual(['answer', 'echo']);
    expect(ch.hangupCause).toBe('NORMAL_CLEARING');
  });

  it('public 5551234 and a missing context -> NO_ROUTE_DESTINATION, nothing executed', async () => {
    const { core, ran } = setup(shipped());
    const a = call(core, 'public', '5551234');
    await core.startInbound(a.ch);
    const b = call(core, 'nosuch', '1001');
    await core.startInbound(b.ch);
    expect(ran).toEqual([]);
    expect(a.causes).toEqual(['NO_ROUTE_DESTINATION']);
    expect(b.causes).toEqual(['NO_ROUTE_DESTINATION']);
  });

  it('inline actions run during the hunt through the core; queued ones after it', async () => {
    const { core, ran } = setup(loadDialplanFiles([resolve(FIXTURES, 'cases.xml')]));
    const { ch } = call(core, 'inline', '1', '42');
    await core.startInbound(ch);
    expect(ran).toEqual(['set foo=bar-42', 'set queued=1', 'log saw foo 42']);
    expect(ch.getVariable('foo')).toBe('bar-42');
    expect(ch.getVariable('queued')).toBe('1');
  });

  it('an inline action the core does not allow inline is refused, the rest of the plan runs', async () => {
    const dir = resolve(FIXTURES, 'inline-refused.xml');
    const { core, ran } = setup(loadDialplanFiles([dir]));
    const { ch } = call(core, 'default', '1');
    await core.startInbound(ch);
    expect(ran).toEqual(['log after']);
  });

  it('time conditions read the core clock (injected)', async () => {
    const { core, ran } = setup(loadDialplanFiles([resolve(FIXTURES, 'cases.xml')]));
    const { ch } = call(core, 'time', '1');
    await core.startInbound(ch); // Wednesday 10:30 UTC
    expect(ran).toEqual(['log open']);
    (core.clock as FakeClock).advance(4 * 86_400_000); // Sunday
    const second = call(core, 'time', '1');
    await core.startInbound(second.ch);
    expect(ran).toEqual(['log open', 'log closed']);
  });

  it('reload swaps the model for later hunts', async () => {
    const { core, ran, dialplan } = setup(shipped());
    dialplan.reload(loadDialplanFiles([resolve(FIXTURES, 'cases.xml')]));
    const { ch } = call(core, 'simple', '100');
    await core.startInbound(ch);
    expect(ran).toEqual(['log INFO exact']);
  });
});
