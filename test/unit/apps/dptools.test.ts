import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildWav, DPTOOLS, registerDptools } from '../../../src/apps';

const APP_NAMES = [
  'answer', 'pre_answer', 'ring_ready', 'hangup', 'respond', 'redirect', 'park', 'sleep', 'log', 'info',
  'set', 'export', 'unset', 'multiset', 'set_global', 'bridge', 'transfer', 'echo', 'playback',
];
import type { CoreEvent, DialplanAction } from '../../../src/core';
import { advance, flush, inbound, makeCore, TableDialplan, type FakeMedia } from '../core/fakes';

const act = (app: string, data = ''): DialplanAction => ({ app, data });
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function run(actions: DialplanAction[], opts: { media?: boolean; vars?: Record<string, string> } = {}) {
  const env = makeCore();
  registerDptools(env.core);
  env.core.dialplans.register(new TableDialplan({ default: { x: actions } }));
  const { ch, driver } = inbound(env.core, 'x', opts);
  const events: CoreEvent[] = [];
  env.core.events.on('*', (e) => e.uuid === ch.uuid && events.push(e));
  const done = env.core.startInbound(ch);
  return { ...env, ch, driver, done, events };
}

describe('dptools registry', () => {
  it('registers every app with syntax and summary', () => {
    const { core } = makeCore();
    registerDptools(core);
    expect(DPTOOLS.map((d) => d.name).sort()).toEqual([...APP_NAMES].sort());
    for (const name of APP_NAMES) {
      const d = core.apps.get(name);
      expect(d, name).toBeDefined();
      expect(typeof d!.syntax).toBe('string');
      expect(d!.summary.length).toBeGreaterThan(0);
    }
    expect(core.apps.get('set')!.flags?.routingSafe).toBe(true);
    expect(core.apps.get('bridge')!.flags?.routingSafe).toBeFalsy();
  });
});

describe('call control apps', () => {
  it('answer, pre_answer, ring_ready drive the endpoint; hangup takes a name or number', async () => {
    const { ch, driver, done } = run([act('ring_ready'), act('pre_answer'), act('answer'), act('hangup', '17')]);
    await done;
    expect(driver.calls).toEqual(['ringReady', 'preAnswer', 'answer', 'hangup:USER_BUSY']);
    expect(ch.hangupCause).toBe('USER_BUSY');
  });

  it('hangup without or with an unknown cause uses NORMAL_CLEARING', async () => {
    const a = run([act('hangup', 'bogus')]);
    await a.done;
    expect(a.ch.hangupCause).toBe('NORMAL_CLEARING');
  });

  it('respond and redirect go to the driver', async () => {
    const r = run([act('respond', '486 Busy Here'), act('redirect', 'sip:a@example.com, sip:b@example.com'), act('respond', 'abc')]);
    await r.done;
    expect(r.driver.responds).toEqual([{ status: 486, reason: 'Busy Here' }]);
    expect(r.driver.redirects).toEqual([['sip:a@example.com', 'sip:b@example.com']]);
  });

  it('redirect after answer fails (Too late) and the call is hung up cleanly', async () => {
    const r = run([act('answer'), act('redirect', 'sip:a@example.com')]);
    await r.done;
    expect(r.driver.redirects).toEqual([]);
    expect(r.ch.hangupCause).toBe('NORMAL_TEMPORARY_FAILURE');
  });

  it('sleep waits on the clock', async () => {
    const r = run([act('sleep', '1500'), act('set', 'woke=1')]);
    await flush();
    await advance(r.clock, 1400, 100);
    expect(r.ch.getVariable('woke')).toBeUndefined();
    await advance(r.clock, 200, 100);
    await r.done;
    expect(r.ch.getVariable('woke')).toBe('1');
  });

  it('park: CS_PARK + CHANNEL_PARK until hangup', async () => {
    const r = run([act('park')]);
    await flush();
    expect(r.ch.state).toBe('CS_PARK');
    expect(r.events.map((e) => e.name)).toContain('CHANNEL_PARK');
    await advance(r.clock, 10_000, 1000);
    expect(r.ch.up).toBe(true);
    r.ch.hangup('NORMAL_CLEARING');
    await r.done;
  });

  it('log and info do not disturb the call', async () => {
    const r = run([act('log', 'INFO hello ${caller_id_number}'), act('log', 'just text'), act('info'), act('hangup')]);
    await r.done;
    expect(r.ch.hangupCause).toBe('NORMAL_CLEARING');
    expect(r.events.filter((e) => e.name === 'CHANNEL_EXECUTE').map((e) => e.headers.get('Application-Data'))).toContain('INFO hello 1000');
  });
});

describe('variable apps', () => {
  it('set / unset / export / multiset / set_global', async () => {
    const r = run([
      act('set', 'a=1'),
      act('set', 'b=${a}${a}'),
      act('set', 'c,comma'),
      act('set', 'gone=x'),
      act('unset', 'gone'),
      act('set', 'empty='),
      act('export', 'e=exp'),
      act('export', 'nolocal:n=bonly'),
      act('multiset', 'm1=1 m2=2'),
      act('multiset', '^^|p=a b|q=c'),
      act('set_global', 'g=G'),
      act('hangup'),
    ]);
    await r.done;
    const v = (n: string) => r.ch.getLocalVariable(n);
    expect([v('a'), v('b'), v('c'), v('gone'), v('empty'), v('e'), v('n')]).toEqual(['1', '11', 'comma', undefined, undefined, 'exp', undefined]);
    expect(v('nolocal:n')).toBe('bonly');
    expect(v('export_vars')).toBe('e,n');
    expect(r.ch.exportedVariables()).toEqual({ e: 'exp', n: 'bonly' });
    expect([v('m1'), v('m2'), v('p'), v('q')]).toEqual(['1', '2', 'a b', 'c']);
    expect(r.core.globals.get('g')).toBe('G');
  });

  it('set can run inline (routing safe), bridge cannot', async () => {
    const { core } = makeCore();
    registerDptools(core);
    const { ch } = inbound(core, '1');
    await core.executeApplication(ch, 'set', 'inline=yes', { inline: true });
    expect(ch.getVariable('inline')).toBe('yes');
    expect(await core.executeApplication(ch, 'bridge', 'error/user_busy', { inline: true })).toBeUndefined();
    expect(ch.up).toBe(true);
  });
});

describe('media apps', () => {
  it('echo pre-answers, loops media back until hangup, then closes the link', async () => {
    const r = run([act('echo')]);
    await flush();
    const m = r.driver.mediaHandle as FakeMedia;
    expect(r.driver.calls).toEqual(['preAnswer']);
    expect(m.echoes).toBe(1);
    expect(m.openLinks).toBe(1);
    r.ch.hangup();
    await r.done;
    expect(m.openLinks).toBe(0);
  });

  it('playback tone_stream pre-answers, plays through the media handle, fires PLAYBACK_START/STOP', async () => {
    const r = run([act('playback', 'tone_stream://%(100,100,440);loops=2'), act('hangup')]);
    await r.done;
    const m = r.driver.mediaHandle as FakeMedia;
    const samples = m.frames.reduce((n, f) => n + f.pcm.length, 0);
    expect(samples).toBe(2 * 200 * 8);
    expect(m.frames[0]!.rate).toBe(8000);
    expect(r.driver.calls[0]).toBe('preAnswer');
    const names = r.events.map((e) => e.name);
    expect(names.indexOf('PLAYBACK_START')).toBeLessThan(names.indexOf('PLAYBACK_STOP'));
    const stop = r.events.find((e) => e.name === 'PLAYBACK_STOP')!;
    expect(stop.headers.get('Playback-Status')).toBe('done');
    expect(r.events.find((e) => e.name === 'CHANNEL_EXECUTE_COMPLETE')!.headers.get('Application-Response')).toBe('FILE PLAYED');
  });

  it('playback of a WAV file relative to sound_prefix, including the <rate>/ directory fallback', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strowger-snd-'));
    dirs.push(dir);
    mkdirSync(join(dir, 'ivr', '8000'), { recursive: true });
    const pcm = Int16Array.from({ length: 800 }, (_, i) => (i % 50) * 100);
    writeFileSync(join(dir, 'ivr', '8000', 'hello.wav'), buildWav(pcm, 8000));
    const r = run([act('playback', 'ivr/hello.wav'), act('playback', '../etc/passwd'), act('hangup')], { vars: { sound_prefix: dir } });
    await r.done;
    const m = r.driver.mediaHandle as FakeMedia;
    const got = Int16Array.from(m.frames.flatMap((f) => Array.from(f.pcm)));
    expect(Array.from(got)).toEqual(Array.from(pcm));
    const responses = r.events.filter((e) => e.name === 'CHANNEL_EXECUTE_COMPLETE').map((e) => e.headers.get('Application-Response'));
    expect(responses.slice(0, 2)).toEqual(['FILE PLAYED', 'FILE NOT FOUND']);
  });

  it('playback stops on a terminator digit and records it', async () => {
    const r = run([act('playback', 'tone_stream://%(1000,0,440);loops=-1'), act('set', 'after=1')]);
    await flush();
    r.ch.receiveDtmf('5', 100);
    await flush();
    expect(r.ch.getVariable('after')).toBeUndefined();
    r.ch.receiveDtmf('*', 100);
    await flush();
    expect(r.ch.getVariable('playback_terminator_used')).toBe('*');
    expect(r.ch.getVariable('after')).toBe('1');
    await r.done;
  });

  it('without a media handle playback is paced on the clock', async () => {
    const r = run([act('playback', 'silence_stream://1000'), act('set', 'done=1')], { media: false });
    await flush();
    await advance(r.clock, 900, 20);
    expect(r.ch.getVariable('done')).toBeUndefined();
    await advance(r.clock, 200, 20);
    await r.done;
    expect(r.ch.getVariable('done')).toBe('1');
  });

  it('transfer -bleg moves the bridged peer, the caller keeps its dialplan', async () => {
    const env = makeCore({ scripts: { b: { answer: 100 } } });
    registerDptools(env.core);
    const dp = new TableDialplan({
      default: { '2000': [act('bridge', 'fake/b'), act('set', 'a_after=1'), act('hangup')], '7000': [act('set', 'b_moved=1'), act('park')] },
    });
    env.core.dialplans.register(dp);
    const { ch: a } = inbound(env.core, '2000');
    const done = env.core.startInbound(a);
    await flush();
    await advance(env.clock, 200, 50);
    const b = env.endpoint.byData('b')!;
    await env.core.executeApplication(a, 'transfer', '-bleg 7000');
    await flush();
    expect(b.getVariable('b_moved')).toBe('1');
    expect(b.state).toBe('CS_PARK');
    await done;
    expect(a.getVariable('a_after')).toBe('1');
    b.hangup();
  });
});

describe('ringback', () => {
  it('ringback=<TGML>: B rings => A pre-answered and hears the tone until B answers', async () => {
    const env = makeCore({ scripts: { b: { ring: 100, answer: 3000 } } });
    registerDptools(env.core);
    env.core.dialplans.register(new TableDialplan({ default: { '2000': [act('set', 'ringback=%(2000,4000,440,480)'), act('bridge', 'fake/b')] } }));
    const { ch: a, driver } = inbound(env.core, '2000');
    const m = driver.mediaHandle as FakeMedia;
    m.maxFrames = 50;
    void env.core.startInbound(a);
    await flush();
    await advance(env.clock, 500, 50);
    expect(driver.calls).toEqual(['preAnswer']);
    expect(m.frames.length).toBe(50);
    expect(m.frames[0]!.pcm.some((v) => v !== 0)).toBe(true);
    expect(m.activePlays).toBe(1);
    await advance(env.clock, 3000, 100);
    expect(m.activePlays).toBe(0);
    expect(a.answered).toBe(true);
    expect(driver.calls).toEqual(['preAnswer', 'answer']);
    // the player was stopped: no second round started after the answer
    expect(m.frames.length).toBe(50);
    a.hangup();
  });
});
