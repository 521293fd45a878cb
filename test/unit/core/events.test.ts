import { describe, expect, it } from 'vitest';
import { registerDptools } from '../../../src/apps';
import type { CoreEvent } from '../../../src/core';
import { advance, flush, inbound, makeCore, TableDialplan } from './fakes';

describe('events', () => {
  it('fires FreeSWITCH events in order with the channel block and variables', async () => {
    const { core, clock, endpoint } = makeCore({ scripts: { b: { ring: 100, answer: 1000 } } });
    registerDptools(core);
    core.dialplans.register(new TableDialplan({ default: { '2000': [{ app: 'bridge', data: 'fake/b' }] } }));
    const all: CoreEvent[] = [];
    core.events.on('*', (e) => all.push(e));
    const { ch: a } = inbound(core, '2000', { vars: { sip_call_id: 'abc@host' } });
    const done = core.startInbound(a);
    await flush();
    await advance(clock, 1100, 50);
    const b = endpoint.byData('b')!;
    await advance(clock, 60_000, 5000);
    b.hangup('NORMAL_CLEARING');
    await done;
    await a.destroyed;
    await b.destroyed;

    const aEvents = all.filter((e) => e.uuid === a.uuid).map((e) => {
      const st = e.headers.get('Channel-State');
      const cs = e.headers.get('Channel-Call-State');
      if (e.name === 'CHANNEL_STATE') return `STATE:${st}`;
      if (e.name === 'CHANNEL_CALLSTATE') return `CALLSTATE:${cs}`;
      if (e.name.startsWith('CHANNEL_EXECUTE')) return `${e.name}:${e.headers.get('Application')}`;
      return e.name;
    });
    expect(aEvents).toEqual([
      'CHANNEL_CREATE',
      'STATE:CS_INIT',
      'STATE:CS_ROUTING',
      'STATE:CS_EXECUTE',
      'CHANNEL_EXECUTE:bridge',
      'CALLSTATE:RINGING',
      'CHANNEL_PROGRESS',
      'CALLSTATE:ACTIVE',
      'CHANNEL_ANSWER',
      'STATE:CS_EXCHANGE_MEDIA',
      'CHANNEL_BRIDGE',
      'CHANNEL_UNBRIDGE',
      'STATE:CS_EXECUTE',
      'CHANNEL_EXECUTE_COMPLETE:bridge',
      'CALLSTATE:HANGUP',
      'CHANNEL_HANGUP',
      'STATE:CS_HANGUP',
      'STATE:CS_REPORTING',
      'CHANNEL_HANGUP_COMPLETE',
      'STATE:CS_DESTROY',
      'CHANNEL_DESTROY',
    ]);

    const bEvents = all.filter((e) => e.uuid === b.uuid).map((e) => e.name);
    expect(bEvents.slice(0, 3)).toEqual(['CHANNEL_CREATE', 'CHANNEL_STATE', 'CHANNEL_OUTGOING']);
    expect(bEvents).toContain('CHANNEL_ANSWER');
    expect(bEvents.at(-1)).toBe('CHANNEL_DESTROY');

    // Sequence numbers strictly increase.
    const seqs = all.map((e) => Number(e.headers.get('Event-Sequence')));
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1]!);

    const get = (name: string, uuid = a.uuid) => all.find((e) => e.name === name && e.uuid === uuid)!.headers;
    const create = get('CHANNEL_CREATE');
    expect([...create.keys()].slice(0, 13)).toEqual([
      'Event-Name', 'Core-UUID', 'FreeSWITCH-Hostname', 'FreeSWITCH-Switchname', 'FreeSWITCH-IPv4', 'FreeSWITCH-IPv6',
      'Event-Date-Local', 'Event-Date-GMT', 'Event-Date-Timestamp', 'Event-Calling-File', 'Event-Calling-Function',
      'Event-Calling-Line-Number', 'Event-Sequence',
    ]);
    expect(create.get('FreeSWITCH-Hostname')).toBe('testhost');
    expect(create.get('Event-Date-Timestamp')).toBe(String(1_700_000_000_000 * 1000));
    expect(create.get('Event-Date-GMT')).toBe('Tue, 14 Nov 2023 22:13:20 GMT');
    expect(create.get('Call-Direction')).toBe('inbound');
    expect(create.get('Caller-Caller-ID-Number')).toBe('1000');
    expect(create.get('Caller-Destination-Number')).toBe('2000');
    expect(create.get('Channel-Name')).toBe('sofia/internal/1000@127.0.0.1');
    expect(create.get('variable_sip_call_id')).toBe('abc@host');

    const answer = get('CHANNEL_ANSWER');
    expect(answer.get('Answer-State')).toBe('answered');
    expect(answer.get('Channel-Call-State')).toBe('ACTIVE');
    expect(answer.get('Caller-Channel-Answered-Time')).toBe(String((1_700_000_000_000 + 1000) * 1000));

    const state = get('CHANNEL_STATE');
    expect([...state.keys()].some((k) => k.startsWith('variable_'))).toBe(false);
    expect(state.get('Channel-State-Number')).toBe('1');

    const bridge = get('CHANNEL_BRIDGE');
    expect(bridge.get('Bridge-A-Unique-ID')).toBe(a.uuid);
    expect(bridge.get('Bridge-B-Unique-ID')).toBe(b.uuid);
    expect(bridge.get('Other-Type')).toBe('originatee');
    expect(bridge.get('Other-Leg-Unique-ID')).toBe(b.uuid);

    const exec = get('CHANNEL_EXECUTE');
    expect(exec.get('Application-Data')).toBe('fake/b');
    expect(exec.get('Application-UUID')).toBe(get('CHANNEL_EXECUTE_COMPLETE').get('Application-UUID'));
    expect(get('CHANNEL_EXECUTE_COMPLETE').get('Application-Response')).toBe('NORMAL_CLEARING');

    const hup = get('CHANNEL_HANGUP');
    expect(hup.get('Hangup-Cause')).toBe('NORMAL_CLEARING');
    expect(hup.get('Answer-State')).toBe('hangup');
    const complete = get('CHANNEL_HANGUP_COMPLETE');
    expect(complete.get('variable_duration')).toBe('61');
    expect(complete.get('variable_billsec')).toBe('60');
    expect(complete.get('variable_hangup_cause')).toBe('NORMAL_CLEARING');
    expect(complete.get('variable_last_bridge_to')).toBe(b.uuid);
    expect(complete.get('variable_start_epoch')).toBe('1700000000');
  });

  it('a hangup during an app: EXECUTE_COMPLETE comes before CS_REPORTING and HANGUP_COMPLETE', async () => {
    const { core, clock } = makeCore();
    registerDptools(core);
    core.dialplans.register(new TableDialplan({ default: { s: [{ app: 'sleep', data: '100000' }] } }));
    const names: string[] = [];
    core.events.on('*', (e) => names.push(e.name === 'CHANNEL_STATE' ? `STATE:${e.headers.get('Channel-State')}` : e.name));
    const { ch } = inbound(core, 's');
    const done = core.startInbound(ch);
    await flush();
    await advance(clock, 100, 50);
    ch.hangup('NORMAL_CLEARING');
    await done;
    await ch.destroyed;
    const tail = names.slice(names.indexOf('CHANNEL_HANGUP'));
    expect(tail).toEqual([
      'CHANNEL_HANGUP',
      'STATE:CS_HANGUP',
      'CHANNEL_EXECUTE_COMPLETE',
      'STATE:CS_REPORTING',
      'CHANNEL_HANGUP_COMPLETE',
      'STATE:CS_DESTROY',
      'CHANNEL_DESTROY',
    ]);
  });

  it('listeners that throw do not break the call; no listener => no header building', async () => {
    const { core } = makeCore();
    core.events.on('CHANNEL_CREATE', () => {
      throw new Error('bad listener');
    });
    const { ch } = inbound(core, '1');
    expect(ch.state).toBe('CS_INIT');
    expect(core.events.wants('CHANNEL_STATE')).toBe(false);
    ch.hangup();
    await ch.destroyed;
  });

  it('CUSTOM events carry Event-Subclass; HEARTBEAT fires on the clock', async () => {
    const { core, clock } = makeCore({ heartbeatSec: 20 });
    const got: CoreEvent[] = [];
    core.events.on('CUSTOM', (e) => got.push(e));
    core.events.on('HEARTBEAT', (e) => got.push(e));
    core.fireEvent('CUSTOM', { subclass: 'sofia::register', headers: [['profile-name', 'internal']] });
    clock.advance(20_000);
    clock.advance(20_000);
    expect(got.map((e) => e.name)).toEqual(['CUSTOM', 'HEARTBEAT', 'HEARTBEAT']);
    expect(got[0]!.headers.get('Event-Subclass')).toBe('sofia::register');
    expect(got[0]!.headers.get('profile-name')).toBe('internal');
    expect(got[1]!.headers.get('Event-Info')).toBe('System Ready');
    expect(got[2]!.headers.get('Uptime-msec')).toBe('40000');
    await core.close();
  });
});
