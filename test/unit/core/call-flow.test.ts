/**
 * Inbound calls end to end through the core with fake endpoint/dialplan and the real dptools:
 * routing, execution, bridge, hangup propagation, hangup_after_bridge, continue_on_fail, transfer.
 */
import { describe, expect, it } from 'vitest';
import { registerDptools } from '../../../src/apps';
import type { DialplanAction } from '../../../src/core';
import { advance, flush, inbound, makeCore, TableDialplan, type FakeMedia, type Script } from './fakes';

const act = (app: string, data = ''): DialplanAction => ({ app, data });

function setup(table: Record<string, Record<string, DialplanAction[]>>, scripts: Record<string, Script> = {}) {
  const env = makeCore({ scripts });
  registerDptools(env.core);
  const dialplan = new TableDialplan(table);
  env.core.dialplans.register(dialplan);
  return { ...env, dialplan };
}

describe('session execution', () => {
  it('routes, executes in order, and hangs up NORMAL_CLEARING at the end of the list', async () => {
    const { core, dialplan } = setup({ default: { '2000': [act('set', 'foo=bar'), act('answer'), act('set', 'seen=${foo}')] } });
    const { ch, driver } = inbound(core, '2000');
    const states: string[] = [];
    ch.local.on('state', (_f, t) => states.push(t));
    await core.startInbound(ch);
    await ch.destroyed;
    expect(dialplan.hunts).toEqual([{ context: 'default', destination: '2000' }]);
    expect(ch.getVariable('seen')).toBe('bar');
    expect(driver.calls).toEqual(['answer', 'hangup:NORMAL_CLEARING']);
    expect(ch.hangupCause).toBe('NORMAL_CLEARING');
    expect(states).toEqual(['CS_ROUTING', 'CS_EXECUTE', 'CS_HANGUP', 'CS_REPORTING', 'CS_DESTROY']);
  });

  it('no matching extension => NO_ROUTE_DESTINATION', async () => {
    const { core } = setup({ default: {} });
    const { ch } = inbound(core, '9999');
    await core.startInbound(ch);
    expect(ch.hangupCause).toBe('NO_ROUTE_DESTINATION');
  });

  it('an unknown application hangs up DESTINATION_OUT_OF_ORDER; a throwing app hangs up cleanly', async () => {
    const { core } = setup({ default: { a: [act('no_such_app')], b: [act('boom')] } });
    core.apps.register({ name: 'boom', syntax: '', summary: 'throws', handler: () => { throw new Error('kaboom'); } });
    const { ch: c1 } = inbound(core, 'a');
    await core.startInbound(c1);
    expect(c1.hangupCause).toBe('DESTINATION_OUT_OF_ORDER');
    const { ch: c2 } = inbound(core, 'b');
    await core.startInbound(c2);
    expect(c2.hangupCause).toBe('NORMAL_TEMPORARY_FAILURE');
    expect(c2.getVariable('last_app')).toBe('boom');
  });

  it('hangup while an app runs aborts it (AbortSignal)', async () => {
    const { core, clock } = setup({ default: { s: [act('sleep', '60000'), act('set', 'after=1')] } });
    const { ch } = inbound(core, 's');
    const done = core.startInbound(ch);
    await advance(clock, 100);
    expect(ch.state).toBe('CS_EXECUTE');
    ch.hangup('NORMAL_CLEARING');
    await done;
    await ch.destroyed;
    expect(ch.getVariable('after')).toBeUndefined();
    expect(clock.pending()).toBe(0);
  });

  it('an app that reads ctx.signal gets a real AbortSignal aborted on hangup, and on transfer', async () => {
    const { core } = setup({ default: { w: [act('waiter')], t: [act('waiter')], x: [act('hangup')] } });
    const seen: { real: boolean; reason: unknown }[] = [];
    core.apps.register({
      name: 'waiter',
      syntax: '',
      summary: 'waits on the AbortSignal',
      handler: (_ch, _data, { signal, cancel }) =>
        new Promise<void>((resolve) => {
          signal.addEventListener('abort', () => {
            seen.push({ real: signal instanceof AbortSignal, reason: signal.reason });
            expect(cancel.aborted).toBe(true);
            resolve();
          });
        }),
    });
    const { ch } = inbound(core, 'w');
    const done = core.startInbound(ch);
    await flush();
    ch.hangup('NORMAL_CLEARING');
    await done;
    const { ch: c2 } = inbound(core, 't');
    const d2 = core.startInbound(c2);
    await flush();
    core.transfer(c2, 'x');
    await d2;
    expect(seen).toEqual([
      { real: true, reason: 'interrupted' },
      { real: true, reason: 'interrupted' },
    ]);
    expect(c2.hangupCause).toBe('NORMAL_CLEARING');
  });

  it('transfer re-enters routing with the new destination and context', async () => {
    const { core, dialplan } = setup({
      default: { '2000': [act('set', 'x=1'), act('transfer', '3000 XML other'), act('set', 'never=1')] },
      other: { '3000': [act('set', 'arrived=${destination_number}@${context}'), act('hangup', 'USER_BUSY')] },
    });
    const { ch } = inbound(core, '2000');
    await core.startInbound(ch);
    expect(dialplan.hunts).toEqual([
      { context: 'default', destination: '2000' },
      { context: 'other', destination: '3000' },
    ]);
    expect(ch.getVariable('never')).toBeUndefined();
    expect(ch.getVariable('arrived')).toBe('3000@other');
    expect(ch.hangupCause).toBe('USER_BUSY');
    expect(ch.profile.transfer_source).toContain('bl_xfer:3000/other/XML');
    expect(ch.initialProfile.destination_number).toBe('2000');
  });

  it('a transfer loop is cut off with EXCHANGE_ROUTING_ERROR', async () => {
    const { core } = setup({ default: { loop: [act('transfer', 'loop')] } });
    const { ch } = inbound(core, 'loop');
    await core.startInbound(ch);
    expect(ch.hangupCause).toBe('EXCHANGE_ROUTING_ERROR');
  });
});

describe('bridge', () => {
  it('B answers: A answered, both EXCHANGE_MEDIA, media bridged; B hangs up => A continues (hangup_after_bridge unset)', async () => {
    const { core, clock, endpoint } = setup(
      { default: { '2000': [act('bridge', 'fake/b'), act('set', 'continued=yes'), act('hangup', 'CALL_REJECTED')] } },
      { b: { ring: 100, answer: 500 } },
    );
    const { ch: a, driver } = inbound(core, '2000');
    const done = core.startInbound(a);
    await advance(clock, 600, 50);
    const b = endpoint.byData('b')!;
    expect(a.answered).toBe(true);
    expect(a.state).toBe('CS_EXCHANGE_MEDIA');
    expect(b.state).toBe('CS_EXCHANGE_MEDIA');
    expect(a.getVariable('bridge_to')).toBe(b.uuid);
    expect(b.getVariable('bridge_to')).toBe(a.uuid);
    const am = driver.mediaHandle as FakeMedia;
    expect(am.bridges.map((m) => m.label)).toEqual(['b']);
    expect(am.openLinks).toBe(1);
    b.hangup('NORMAL_CLEARING');
    await done;
    expect(a.getVariable('continued')).toBe('yes');
    expect(a.hangupCause).toBe('CALL_REJECTED');
    expect(a.getVariable('last_bridge_to')).toBe(b.uuid);
    expect(a.getVariable('bridge_hangup_cause')).toBe('NORMAL_CLEARING');
    expect(am.openLinks).toBe(0);
  });

  it('hangup_after_bridge=true: A hangs up with B\'s cause', async () => {
    const { core, clock, endpoint } = setup(
      { default: { '2000': [act('set', 'hangup_after_bridge=true'), act('bridge', 'fake/b'), act('set', 'continued=yes')] } },
      { b: { answer: 100 } },
    );
    const { ch: a } = inbound(core, '2000');
    const done = core.startInbound(a);
    await advance(clock, 200, 50);
    endpoint.byData('b')!.hangup('USER_BUSY');
    await done;
    expect(a.getVariable('continued')).toBeUndefined();
    expect(a.hangupCause).toBe('USER_BUSY');
  });

  it('A hangs up => B hangs up with the same cause', async () => {
    const { core, clock, endpoint } = setup({ default: { '2000': [act('bridge', 'fake/b')] } }, { b: { answer: 100 } });
    const { ch: a } = inbound(core, '2000');
    const done = core.startInbound(a);
    await advance(clock, 200, 50);
    const b = endpoint.byData('b')!;
    a.hangup('NORMAL_UNSPECIFIED');
    await done;
    await b.destroyed;
    expect(b.hangupCause).toBe('NORMAL_UNSPECIFIED');
    expect(endpoint.drivers.get(b.uuid)!.hangupCauses).toEqual(['NORMAL_UNSPECIFIED']);
    expect(a.getVariable('last_bridge_to')).toBe(b.uuid);
  });

  it('failed bridge: default continues only for NO_ANSWER/NO_USER_RESPONSE/ORIGINATOR_CANCEL', async () => {
    const { core } = setup({
      default: {
        busy: [act('bridge', 'error/user_busy'), act('set', 'continued=yes')],
        noans: [act('bridge', 'error/no_answer'), act('set', 'continued=yes'), act('hangup')],
      },
    });
    const { ch: c1 } = inbound(core, 'busy');
    await core.startInbound(c1);
    expect(c1.getVariable('continued')).toBeUndefined();
    expect(c1.hangupCause).toBe('USER_BUSY');
    expect(c1.getVariable('originate_disposition')).toBe('USER_BUSY');
    expect(c1.getVariable('DIALSTATUS')).toBe('BUSY');
    const { ch: c2 } = inbound(core, 'noans');
    await core.startInbound(c2);
    expect(c2.getVariable('continued')).toBe('yes');
    expect(c2.hangupCause).toBe('NORMAL_CLEARING');
  });

  it('continue_on_fail=true / cause list / failure_causes', async () => {
    const { core } = setup({
      default: {
        t: [act('set', 'continue_on_fail=true'), act('bridge', 'error/user_busy'), act('set', 'continued=yes'), act('hangup')],
        list: [act('set', 'continue_on_fail=NO_ANSWER,17'), act('bridge', 'error/user_busy'), act('set', 'continued=yes'), act('hangup')],
        miss: [act('set', 'continue_on_fail=NO_ANSWER'), act('bridge', 'error/call_rejected'), act('set', 'continued=yes')],
        fc: [act('set', 'failure_causes=USER_BUSY'), act('bridge', 'error/call_rejected'), act('set', 'continued=yes'), act('hangup')],
      },
    });
    for (const [dest, continued, cause] of [
      ['t', 'yes', 'NORMAL_CLEARING'],
      ['list', 'yes', 'NORMAL_CLEARING'],
      ['miss', undefined, 'CALL_REJECTED'],
      ['fc', 'yes', 'NORMAL_CLEARING'],
    ] as const) {
      const { ch } = inbound(core, dest);
      await core.startInbound(ch);
      expect(ch.getVariable('continued'), dest).toBe(continued);
      expect(ch.hangupCause, dest).toBe(cause);
    }
  });

  it('bridge timeout with call_timeout => NO_ANSWER and the dialplan continues', async () => {
    const { core, clock, endpoint } = setup(
      { default: { '2000': [act('set', 'call_timeout=3'), act('bridge', 'fake/slow'), act('set', 'after=${originate_disposition}')] } },
      { slow: { ring: 50 } },
    );
    const { ch: a } = inbound(core, '2000');
    const done = core.startInbound(a);
    await advance(clock, 3200, 100);
    await done;
    expect(endpoint.byData('slow')!.hangupCause).toBe('NO_ANSWER');
    expect(a.getVariable('after')).toBe('NO_ANSWER');
  });

  it('uuid_transfer of a bridged A leg: B (no dialplan of its own) is hung up, A re-routes', async () => {
    const { core, clock, endpoint } = setup(
      { default: { '2000': [act('bridge', 'fake/b')], '4000': [act('set', 'moved=yes'), act('park')] } },
      { b: { answer: 100 } },
    );
    const { ch: a } = inbound(core, '2000');
    void core.startInbound(a);
    await advance(clock, 200, 50);
    const b = endpoint.byData('b')!;
    expect(await core.api(`uuid_transfer ${a.uuid} 4000`)).toBe('+OK\n');
    await flush();
    expect(a.getVariable('moved')).toBe('yes');
    expect(a.state).toBe('CS_PARK');
    expect(b.hangupCause).toBe('NORMAL_CLEARING');
    a.hangup();
  });

  it('uuid_bridge joins two parked channels; when one hangs up the other resumes its dialplan', async () => {
    const { core } = setup({ default: { p1: [act('park'), act('set', 'resumed=1'), act('hangup', 'USER_BUSY')], p2: [act('park')] } });
    const { ch: x } = inbound(core, 'p1');
    const { ch: y } = inbound(core, 'p2');
    const dx = core.startInbound(x);
    void core.startInbound(y);
    await flush();
    expect(x.state).toBe('CS_PARK');
    expect(await core.api(`uuid_bridge ${x.uuid} ${y.uuid}`)).toBe(`+OK ${y.uuid}\n`);
    await flush();
    expect(x.state).toBe('CS_EXCHANGE_MEDIA');
    expect(y.state).toBe('CS_EXCHANGE_MEDIA');
    expect(x.bridgedTo).toBe(y.uuid);
    y.hangup('NORMAL_CLEARING');
    await dx;
    expect(x.getVariable('resumed')).toBe('1');
    expect(x.hangupCause).toBe('USER_BUSY');
  });
});
