import { describe, expect, it } from 'vitest';
import { advance, flush, inbound, makeCore, type FakeMedia } from './fakes';

describe('originate with a fake endpoint', () => {
  it('single leg answers: success, B in CS_CONSUME_MEDIA, caller id from A', async () => {
    const { core, clock, endpoint } = makeCore({ scripts: { b: { ring: 100, answer: 1000 } } });
    const { ch: a } = inbound(core, '2000');
    const p = core.originate('fake/b', { originator: a });
    await advance(clock, 1200, 50);
    const r = await p;
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.channel.answered).toBe(true);
    expect(r.channel.state).toBe('CS_CONSUME_MEDIA');
    expect(r.channel.direction).toBe('outbound');
    expect(r.channel.profile.caller_id_number).toBe('1000');
    expect(r.channel.profile.destination_number).toBe('b');
    expect(r.channel.getVariable('originating_leg_uuid')).toBe(a.uuid);
    expect(a.answered).toBe(true);
    expect(a.getVariable('originate_disposition')).toBe('call accepted');
    expect(a.getVariable('DIALSTATUS')).toBe('ANSWER');
    expect(endpoint.requests[0]!.originator).toBe(a);
  });

  it('simultaneous ring: first answer wins, the others are cancelled with LOSE_RACE', async () => {
    const { core, clock, endpoint } = makeCore({ scripts: { b1: { ring: 10, answer: 3000 }, b2: { ring: 10, answer: 1000 }, b3: { ring: 10 } } });
    const p = core.originate('fake/b1,fake/b2,fake/b3');
    await advance(clock, 1100, 50);
    const r = await p;
    expect(r.ok && r.channel.profile.destination_number).toBe('b2');
    const b1 = endpoint.byData('b1')!;
    const b3 = endpoint.byData('b3')!;
    expect(b1.hangupCause).toBe('LOSE_RACE');
    expect(b3.hangupCause).toBe('LOSE_RACE');
    expect(b1.getVariable('group_dial_status')).toBe('loser');
    expect(endpoint.drivers.get(b1.uuid)!.hangupCauses).toEqual(['LOSE_RACE']);
    // b1 answering later changes nothing
    await advance(clock, 3000, 500);
    expect(r.ok && r.channel.up).toBe(true);
  });

  it('failover: the next group is tried only after the previous failed', async () => {
    const { core, clock, endpoint } = makeCore({ scripts: { busy: { reject: 200, cause: 'USER_BUSY' }, ok: { answer: 300 } } });
    const p = core.originate('fake/busy|fake/ok');
    await advance(clock, 150, 50);
    expect(endpoint.byData('ok')).toBeUndefined();
    await advance(clock, 600, 50);
    const r = await p;
    expect(r.ok && r.channel.profile.destination_number).toBe('ok');
    expect(endpoint.byData('busy')!.hangupCause).toBe('USER_BUSY');
  });

  it('call_timeout on the A leg => NO_ANSWER, legs cancelled NO_ANSWER, failover stops', async () => {
    const { core, clock, endpoint } = makeCore({ scripts: { slow: { ring: 10 }, next: { answer: 10 } } });
    const { ch: a } = inbound(core, '2000', { vars: { call_timeout: '5' } });
    const p = core.originate('fake/slow|fake/next', { originator: a });
    await advance(clock, 4900, 100);
    expect(endpoint.byData('slow')!.up).toBe(true);
    await advance(clock, 200, 50);
    const r = await p;
    expect(r).toEqual({ ok: false, cause: 'NO_ANSWER' });
    expect(endpoint.byData('slow')!.hangupCause).toBe('NO_ANSWER');
    expect(endpoint.byData('next')).toBeUndefined();
    expect(a.getVariable('DIALSTATUS')).toBe('NOANSWER');
    expect(a.getVariable('originate_disposition')).toBe('NO_ANSWER');
    expect(a.ringing).toBe(true); // B's 180 was relayed to A
  });

  it('default timeout is 60 s; originate_continue_on_timeout moves on to the next group', async () => {
    const { core, clock } = makeCore({ scripts: { slow: {}, next: { answer: 10 } } });
    const p = core.originate('{originate_continue_on_timeout=true}fake/slow|fake/next');
    await advance(clock, 59_000, 1000);
    let settled = false;
    void p.then(() => (settled = true));
    await flush();
    expect(settled).toBe(false);
    await advance(clock, 1_100, 100);
    const r = await p;
    expect(r.ok && r.channel.profile.destination_number).toBe('next');
  });

  it('originate_timeout in {} overrides the default', async () => {
    const { core, clock } = makeCore({ scripts: { slow: {} } });
    const p = core.originate('{originate_timeout=2}fake/slow');
    await advance(clock, 2100, 100);
    expect(await p).toEqual({ ok: false, cause: 'NO_ANSWER' });
  });

  it('error/USER_BUSY fails at once with USER_BUSY; unknown endpoint => CHAN_NOT_IMPLEMENTED', async () => {
    const { core } = makeCore();
    const { ch: a } = inbound(core, '2000');
    expect(await core.originate('error/user_busy', { originator: a })).toEqual({ ok: false, cause: 'USER_BUSY' });
    expect(a.getVariable('DIALSTATUS')).toBe('BUSY');
    expect(await core.originate('error/nonsense')).toEqual({ ok: false, cause: 'DESTINATION_OUT_OF_ORDER' });
    expect(await core.originate('nosuch/1000')).toEqual({ ok: false, cause: 'CHAN_NOT_IMPLEMENTED' });
    expect(await core.originate('{broken')).toEqual({ ok: false, cause: 'DESTINATION_OUT_OF_ORDER' });
  });

  it('all legs rejected: the first created leg\'s cause is reported', async () => {
    const { core, clock } = makeCore({ scripts: { x: { reject: 300, cause: 'CALL_REJECTED' }, y: { reject: 100, cause: 'USER_BUSY' } } });
    const p = core.originate('fake/x,fake/y');
    await advance(clock, 400, 50);
    expect(await p).toEqual({ ok: false, cause: 'CALL_REJECTED' });
  });

  it('fail_on_single_reject=USER_BUSY aborts the group (and the failover) on a busy leg', async () => {
    const { core, clock, endpoint } = makeCore({ scripts: { busy: { reject: 100, cause: 'USER_BUSY' }, ring: { ring: 10 }, next: { answer: 10 } } });
    const p = core.originate('{fail_on_single_reject=USER_BUSY}fake/busy,fake/ring|fake/next');
    await advance(clock, 300, 50);
    expect(await p).toEqual({ ok: false, cause: 'USER_BUSY' });
    expect(endpoint.byData('ring')!.hangupCause).toBe('USER_BUSY');
    expect(endpoint.byData('next')).toBeUndefined();
  });

  it('per-leg leg_timeout hangs that leg up ALLOTTED_TIMEOUT while others keep ringing', async () => {
    const { core, clock, endpoint } = makeCore({ scripts: { short: { ring: 10 }, long: { ring: 10, answer: 5000 } } });
    const p = core.originate('[leg_timeout=2]fake/short,fake/long');
    await advance(clock, 2100, 100);
    expect(endpoint.byData('short')!.hangupCause).toBe('ALLOTTED_TIMEOUT');
    expect(endpoint.byData('long')!.up).toBe(true);
    await advance(clock, 3000, 200);
    const r = await p;
    expect(r.ok && r.channel.profile.destination_number).toBe('long');
  });

  it('leg_delay_start delays creating the leg', async () => {
    const { core, clock, endpoint } = makeCore({ scripts: { first: {}, later: { answer: 100 } } });
    const p = core.originate('fake/first,[leg_delay_start=2]fake/later');
    await advance(clock, 1000, 100);
    expect(endpoint.byData('later')).toBeUndefined();
    await advance(clock, 1200, 100);
    expect(endpoint.byData('later')).toBeDefined();
    const r = await p;
    expect(r.ok && r.channel.profile.destination_number).toBe('later');
    expect(endpoint.byData('first')!.hangupCause).toBe('LOSE_RACE');
  });

  it('progress_timeout without any 18x => PROGRESS_TIMEOUT', async () => {
    const { core, clock } = makeCore({ scripts: { silent: {} } });
    const p = core.originate('{progress_timeout=3}fake/silent');
    await advance(clock, 3100, 100);
    expect(await p).toEqual({ ok: false, cause: 'PROGRESS_TIMEOUT' });
  });

  it('A hanging up cancels the legs with ORIGINATOR_CANCEL', async () => {
    const { core, clock, endpoint } = makeCore({ scripts: { b: { ring: 10 } } });
    const { ch: a } = inbound(core, '2000');
    const p = core.originate('fake/b', { originator: a });
    await advance(clock, 100, 50);
    a.hangup('NORMAL_CLEARING');
    expect(await p).toEqual({ ok: false, cause: 'ORIGINATOR_CANCEL' });
    expect(endpoint.byData('b')!.hangupCause).toBe('ORIGINATOR_CANCEL');
  });

  it('early media: B 183 pre-answers A and joins the media early; answer reuses the link', async () => {
    const { core, clock, endpoint } = makeCore({ scripts: { b: { early: 100, answer: 500 } } });
    const { ch: a, driver } = inbound(core, '2000');
    const p = core.originate('fake/b', { originator: a });
    await advance(clock, 200, 50);
    expect(a.earlyMedia).toBe(true);
    expect(driver.calls).toContain('preAnswer');
    const am = driver.mediaHandle as FakeMedia;
    expect(am.bridges).toHaveLength(1);
    expect(am.bridges[0]!.label).toBe('b');
    await advance(clock, 400, 50);
    const r = await p;
    expect(r.ok && r.earlyLink).toBeTruthy();
    expect(a.answered).toBe(true);
    expect(endpoint.byData('b')!.answered).toBe(true);
  });

  it('ignore_early_media=true: A is not pre-answered; =ring_ready: A gets 180 instead', async () => {
    for (const [mode, expected] of [
      ['true', []],
      ['ring_ready', ['ringReady']],
    ] as const) {
      const { core, clock } = makeCore({ scripts: { b: { early: 100 } } });
      const { ch: a, driver } = inbound(core, '2000');
      void core.originate(`{ignore_early_media=${mode}}fake/b`, { originator: a });
      await advance(clock, 200, 50);
      expect(driver.calls, mode).toEqual(expected);
      expect((driver.mediaHandle as FakeMedia).bridges).toHaveLength(0);
      a.hangup();
      await flush();
    }
  });

  it('a leg answering while A cannot be answered => INCOMPATIBLE_DESTINATION', async () => {
    const { core, clock, endpoint } = makeCore({ scripts: { b: { answer: 100 } } });
    const { ch: a, driver } = inbound(core, '2000');
    driver.failAnswer = true;
    const p = core.originate('fake/b', { originator: a });
    await advance(clock, 200, 50);
    expect(await p).toEqual({ ok: false, cause: 'INCOMPATIBLE_DESTINATION' });
    expect(endpoint.byData('b')!.hangupCause).toBe('INCOMPATIBLE_DESTINATION');
  });

  it('exported variables and dial-string vars reach the B leg with [] > {} precedence', async () => {
    const { core, clock, endpoint } = makeCore({ scripts: { b: { answer: 10 } } });
    const { ch: a } = inbound(core, '2000');
    a.exportVariable('exported', 'yes');
    a.exportVariable('nolocal:only_b', 'b-side');
    expect(a.getVariable('exported')).toBe('yes');
    expect(a.getLocalVariable('only_b')).toBeUndefined();
    const p = core.originate("<e=0,x=ent>{x=glob,y=g}[x=leg,origination_caller_id_name='Bob B',origination_caller_id_number=555]fake/b", { originator: a });
    await advance(clock, 100, 50);
    const r = await p;
    expect(r.ok).toBe(true);
    const b = endpoint.byData('b')!;
    expect(b.getVariable('exported')).toBe('yes');
    expect(b.getVariable('only_b')).toBe('b-side');
    expect(b.getVariable('x')).toBe('leg');
    expect(b.getVariable('y')).toBe('g');
    expect(b.getVariable('e')).toBe('0');
    expect(b.profile.caller_id_name).toBe('Bob B');
    expect(b.profile.caller_id_number).toBe('555');
    expect(endpoint.requests[0]!.variables.x).toBe('leg');
  });

  it('the B profile: A cloned, effective/origination caller id, ani, orig_*, destination and callee', async () => {
    const { core, clock, endpoint } = makeCore({ scripts: { b: { answer: 10 }, c: { answer: 10 } } });
    const { ch: a } = inbound(core, '2000', { context: 'public' });
    a.setVariable('effective_caller_id_name', 'Eff Name');
    const p1 = core.originate('fake/b', { originator: a });
    await advance(clock, 50, 10);
    expect((await p1).ok).toBe(true);
    const req = endpoint.requests[0]!.profile;
    expect(req).toMatchObject({
      caller_id_name: 'Eff Name',
      caller_id_number: '1000',
      orig_caller_id_name: 'Alice',
      orig_caller_id_number: '1000',
      ani: '1000',
      context: 'public',
      dialplan: 'XML',
      destination_number: 'b',
      callee_id_name: 'Outbound Call',
      callee_id_number: 'b',
      source: 'fake',
      uuid: a.uuid,
    });
    const b = endpoint.byData('b')!;
    expect(b.profile.uuid).toBe(b.uuid);
    expect(b.profile.chan_name).toBe('fake/b');
    expect(Object.keys(b.profile)).toEqual(Object.keys(a.profile));

    const p2 = core.originate("{origination_ani=777,origination_caller_id_number=555}fake/c", { callerIdName: 'Api' });
    await advance(clock, 50, 10);
    expect((await p2).ok).toBe(true);
    expect(endpoint.requests[1]!.profile).toMatchObject({
      caller_id_name: 'Api',
      caller_id_number: '555',
      orig_caller_id_name: 'Api',
      orig_caller_id_number: '555',
      ani: '777',
      context: 'default',
      destination_number: 'c',
      uuid: '',
    });
  });

  it('origination_uuid sets the B uuid', async () => {
    const { core, clock } = makeCore({ scripts: { b: { answer: 10 } } });
    const p = core.originate('{origination_uuid=11111111-2222-3333-4444-555555555555}fake/b');
    await advance(clock, 50, 10);
    const r = await p;
    expect(r.ok && r.channel.uuid).toBe('11111111-2222-3333-4444-555555555555');
  });

  it('an endpoint may return a dial string (user/ -> contacts), rung in place of the leg', async () => {
    const { core, clock, endpoint } = makeCore({ scripts: { user1: { dialString: 'fake/c1,fake/c2' }, c1: { ring: 10 }, c2: { answer: 200 } } });
    const p = core.originate('fake/user1');
    await advance(clock, 300, 50);
    const r = await p;
    expect(r.ok && r.channel.profile.destination_number).toBe('c2');
    expect(endpoint.byData('c1')!.hangupCause).toBe('LOSE_RACE');
  });

  it('a self-referencing dial string is stopped by the depth guard', async () => {
    const { core } = makeCore({ scripts: { loop: { dialString: 'fake/loop' } } });
    const r = await core.originate('fake/loop');
    expect(r).toEqual({ ok: false, cause: 'EXCHANGE_ROUTING_ERROR' });
  });

  it('enterprise :_: branches ring in parallel; the first success wins', async () => {
    const { core, clock, endpoint } = makeCore({ scripts: { e1: { ring: 10 }, e2: { answer: 300 } } });
    const p = core.originate('fake/e1:_:fake/e2');
    await advance(clock, 400, 50);
    const r = await p;
    expect(r.ok && r.channel.profile.destination_number).toBe('e2');
    expect(endpoint.byData('e1')!.hangupCause).toBe('LOSE_RACE');
  });

  it('an external abort signal cancels with the given cause', async () => {
    const { core, clock, endpoint } = makeCore({ scripts: { b: { ring: 10 } } });
    const ac = new AbortController();
    const p = core.originate('fake/b', { signal: ac.signal });
    await advance(clock, 50, 10);
    ac.abort('MANAGER_REQUEST');
    expect(await p).toEqual({ ok: false, cause: 'MANAGER_REQUEST' });
    expect(endpoint.byData('b')!.hangupCause).toBe('MANAGER_REQUEST');
  });
});
