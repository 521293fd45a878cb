import { describe, expect, it } from 'vitest';
import { registerDptools } from '../../../src/apps';
import { formatUptime, parseAppSpec, splitArgs } from '../../../src/core';
import { advance, flush, inbound, makeCore, TableDialplan } from './fakes';

describe('core API commands (§9.2 shapes)', () => {
  it('unknown command and usage errors', async () => {
    const { core } = makeCore();
    expect(await core.api('nope arg')).toBe('-ERR nope Command not found!\n');
    expect(await core.api('uuid_kill')).toBe('-USAGE: <uuid> [cause]\n');
  });

  it('show channels: CSV header, rows, blank line, N total; json; count', async () => {
    const { core } = makeCore();
    const { ch } = inbound(core, '2000');
    const out = await core.api('show channels');
    const lines = out.split('\n');
    expect(lines[0]!.startsWith('uuid,direction,created,created_epoch,name,state,cid_name,cid_num,ip_addr,dest,application')).toBe(true);
    expect(lines[0]!.split(',')).toHaveLength(38);
    const row = lines[1]!.split(',');
    expect(row[0]).toBe(ch.uuid);
    expect(row[1]).toBe('inbound');
    expect(row[4]).toBe('sofia/internal/1000@127.0.0.1');
    expect(row[5]).toBe('CS_INIT');
    expect(row[7]).toBe('1000');
    expect(row[9]).toBe('2000');
    expect(out.endsWith('\n\n1 total.\n')).toBe(true);
    const json = JSON.parse(await core.api('show channels as json'));
    expect(json.row_count).toBe(1);
    expect(json.rows[0].uuid).toBe(ch.uuid);
    expect(await core.api('show channels count')).toBe('\n1 total.\n');
    ch.hangup();
    await ch.destroyed;
    expect(await core.api('show channels')).toMatch(/\n\n0 total\.\n$/);
  });

  it('show calls pairs bridged legs on one row', async () => {
    const { core, clock, endpoint } = makeCore({ scripts: { b: { answer: 100 } } });
    registerDptools(core);
    core.dialplans.register(new TableDialplan({ default: { '2000': [{ app: 'bridge', data: 'fake/b' }] } }));
    const { ch: a } = inbound(core, '2000');
    void core.startInbound(a);
    await flush();
    await advance(clock, 200, 50);
    const b = endpoint.byData('b')!;
    const out = (await core.api('show calls')).split('\n');
    const cols = out[0]!.split(',');
    expect(cols).toContain('b_uuid');
    const row = out[1]!.split(',');
    expect(row[cols.indexOf('uuid')]).toBe(a.uuid);
    expect(row[cols.indexOf('b_uuid')]).toBe(b.uuid);
    expect(row[cols.indexOf('b_direction')]).toBe('outbound');
    expect(out.at(-2)).toBe('1 total.');
    a.hangup();
  });

  it('uuid_kill / uuid_exists / uuid_getvar / uuid_setvar', async () => {
    const { core } = makeCore();
    const { ch } = inbound(core, '2000');
    expect(await core.api(`uuid_exists ${ch.uuid}`)).toBe('true');
    expect(await core.api(`uuid_setvar ${ch.uuid} color deep blue`)).toBe('+OK\n');
    expect(await core.api(`uuid_getvar ${ch.uuid} color`)).toBe('deep blue');
    expect(await core.api(`uuid_getvar ${ch.uuid} nothing`)).toBe('_undef_');
    expect(await core.api(`uuid_kill ${ch.uuid} USER_BUSY`)).toBe('+OK\n');
    expect(ch.hangupCause).toBe('USER_BUSY');
    expect(await core.api(`uuid_kill ${ch.uuid}`)).toBe('-ERR No such channel!\n');
    await ch.destroyed;
    expect(await core.api(`uuid_exists ${ch.uuid}`)).toBe('false');
    expect(await core.api('uuid_bridge a b')).toBe('-ERR Invalid uuid\n');
    expect(await core.api('uuid_transfer nope 1000')).toBe('-ERR No such channel!\n');
  });

  it('hupall with cause and variable filter', async () => {
    const { core } = makeCore();
    const { ch: x } = inbound(core, '1', { vars: { team: 'red' } });
    const { ch: y } = inbound(core, '2', { vars: { team: 'blue' } });
    expect(await core.api('hupall MANAGER_REQUEST team red')).toBe('+OK hangup all channels with cause MANAGER_REQUEST\n');
    expect(x.hangupCause).toBe('MANAGER_REQUEST');
    expect(y.up).toBe(true);
    expect(await core.api('hupall')).toBe('+OK hangup all channels with cause NORMAL_CLEARING\n');
    expect(y.hangupCause).toBe('NORMAL_CLEARING');
  });

  it('originate: +OK <uuid> with &app(), -ERR <CAUSE> on failure; exten form routes the B leg', async () => {
    const { core, clock, endpoint } = makeCore({ scripts: { b: { answer: 100 }, c: { answer: 100 } } });
    registerDptools(core);
    const dp = new TableDialplan({ ctx: { '9000': [{ app: 'set', data: 'routed=yes' }, { app: 'park', data: '' }] } });
    core.dialplans.register(dp);
    expect(await core.api('originate error/user_not_registered &park()')).toBe('-ERR USER_NOT_REGISTERED\n');
    const p = core.api("originate {origination_caller_id_name='Robo Call'}fake/b &park()");
    await advance(clock, 200, 50);
    const out = await p;
    const b = endpoint.byData('b')!;
    expect(out).toBe(`+OK ${b.uuid}\n`);
    await flush();
    expect(b.state).toBe('CS_PARK');
    expect(b.profile.caller_id_name).toBe('Robo Call');
    const p2 = core.api('originate fake/c 9000 XML ctx CallerName 5551234 30');
    await advance(clock, 200, 50);
    await p2;
    await flush();
    const c = endpoint.created[1]!;
    expect(c.name).toBe('fake/c');
    expect(c.getVariable('routed')).toBe('yes');
    expect(c.profile.caller_id_number).toBe('5551234');
    expect(dp.hunts).toEqual([{ context: 'ctx', destination: '9000' }]);
    await core.close();
    expect(b.up).toBe(false);
    expect(b.hangupCause).toBe('SYSTEM_SHUTDOWN');
  });

  it('global_getvar / global_setvar / eval / expand / uptime / version / status / show api', async () => {
    const { core, clock } = makeCore({ globals: { domain: 'example.com' } });
    expect(await core.api('global_getvar domain')).toBe('example.com');
    expect(await core.api('global_setvar x=1')).toBe('+OK\n');
    expect(await core.api('global_getvar')).toBe('domain=example.com\nx=1\n');
    expect(await core.api('eval user@${domain}')).toBe('user@example.com');
    const { ch } = inbound(core, '4242');
    expect(await core.api(`eval uuid:${ch.uuid} \${destination_number}`)).toBe('4242');
    expect(await core.api(`expand uuid:${ch.uuid} uuid_getvar \${uuid} destination_number`)).toBe('4242');
    clock.advance(3_723_456);
    expect(await core.api('uptime')).toBe('3723');
    expect(await core.api('uptime ms')).toBe('3723456');
    expect(await core.api('version short')).toBe('1.10.12');
    expect(await core.api('version')).toMatch(/^FreeSWITCH Version 1\.10\.12-strowger-/);
    const status = (await core.api('status')).split('\n');
    expect(status[0]).toBe('UP 0 years, 0 days, 1 hour, 2 minutes, 3 seconds, 456 milliseconds, 0 microseconds');
    expect(status[1]).toMatch(/is ready$/);
    expect(status[2]).toBe('1 session(s) since startup');
    expect(status[3]).toBe('1 session(s) - peak 1');
    const apis = await core.api('show api');
    expect(apis).toContain('uuid_kill,Kill channel,<uuid> [cause],mod_core');
    expect(core.apis.complete('uuid_')).toContain('uuid_transfer');
  });

  it('helpers: splitArgs keeps {} groups and quotes; parseAppSpec', () => {
    expect(splitArgs("{a='x y',b=2}sofia/gw/1 &park() XML  default 'Jo Doe'")).toEqual(["{a='x y',b=2}sofia/gw/1", '&park()', 'XML', 'default', "'Jo Doe'"]);
    expect(parseAppSpec('&playback(/tmp/a b.wav)')).toEqual({ app: 'playback', data: '/tmp/a b.wav' });
    expect(parseAppSpec('&park')).toEqual({ app: 'park', data: '' });
    expect(parseAppSpec('1000')).toBeUndefined();
    expect(formatUptime(1000 * 86400 * 366)).toBe('1 year, 1 day, 0 hours, 0 minutes, 0 seconds, 0 milliseconds, 0 microseconds');
  });
});
