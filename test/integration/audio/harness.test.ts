/**
 * The real-client harness itself: ctrl_tcp netstring framing, baresip config/account generation,
 * and the server runner with baresip registering to it (issue 4's registrar, through the real
 * `strowger start` process with a copied conf and --set overrides).
 */
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { accountLine, baresipConfig, isRegisteredInfo, netstring, parseNetstrings, stripAnsi, type Baresip } from '../support/baresip';
import { Scratch, startParty } from '../support/call-scenario';
import { StrowgerProcess, TEST_PORT_RANGE } from '../support/strowger-server';

describe('ctrl_tcp framing', () => {
  it('encodes and splits netstrings, keeping a partial tail', () => {
    const one = netstring('{"a":"é"}');
    expect(one.toString('utf8')).toBe('10:{"a":"é"},');
    const two = Buffer.concat([one, netstring('x'), Buffer.from('5:ab')]);
    const { messages, rest } = parseNetstrings(two);
    expect(messages).toEqual(['{"a":"é"}', 'x']);
    expect(rest.toString()).toBe('5:ab');
    expect(parseNetstrings(Buffer.from('12')).messages).toEqual([]);
  });

  it('rejects malformed frames', () => {
    expect(() => parseNetstrings(Buffer.from('3:abc;'))).toThrow(/','/);
    expect(() => parseNetstrings(Buffer.from(':abc,'))).toThrow(/malformed/);
    expect(() => parseNetstrings(Buffer.from('1234567890:'))).toThrow(/too long/);
  });

  it('strips ANSI colours and reads reginfo', () => {
    const info = '\n--- User Agents (1) ---\n> sip:1000@127.0.0.1:27572     \u001b[32mOK \u001b[;m  Expires 60s\n';
    expect(stripAnsi(info)).not.toContain('\u001b');
    expect(isRegisteredInfo(info)).toBe(true);
    expect(isRegisteredInfo('> sip:1000@127.0.0.1:27572     \u001b[31mERR\u001b[;m')).toBe(false);
    expect(isRegisteredInfo('> sip:1000@127.0.0.1:27572     \u001b[37mzzz\u001b[;m')).toBe(false);
  });
});

describe('baresip config', () => {
  const opts = { user: '1000', domain: '127.0.0.1:27060', password: '1234', regint: 60, codecs: ['G722/16000/1', 'PCMU/8000/1'], sourceWav: '/x.wav', srate: 16000 };

  it('writes the account with name/srate/channels codecs, auth and auto-answer', () => {
    expect(accountLine(opts)).toBe(
      '<sip:1000@127.0.0.1:27060>;regint=60;answermode=auto;audio_codecs=G722/16000/1,PCMU/8000/1;auth_pass=1234;auth_user=1000',
    );
    expect(accountLine({ ...opts, password: undefined, regint: undefined, autoAnswer: false })).toBe(
      '<sip:1000@127.0.0.1:27060>;regint=0;answermode=manual;audio_codecs=G722/16000/1,PCMU/8000/1',
    );
  });

  it('binds everything to 127.0.0.1 and records with sndfile unless told not to', () => {
    const c = baresipConfig(opts, 40000, 40010, '/rec');
    expect(c).toContain('sip_listen 127.0.0.1:40000\n');
    expect(c).toContain('ctrl_tcp_listen 127.0.0.1:40010\n');
    expect(c).toContain('net_interface 127.0.0.1\n');
    expect(c).toContain('audio_source aufile,/x.wav\n');
    expect(c).toContain('ausrc_srate 16000\n');
    expect(c).toContain('snd_path /rec\n');
    expect(c).toContain('audio_player none\n');
    expect(baresipConfig({ ...opts, record: false }, 1, 2, '/rec')).not.toContain('sndfile');
  });
});

describe('strowger server + baresip registration', () => {
  const scratch = new Scratch();
  let server: StrowgerProcess | undefined;
  let ua: Baresip | undefined;
  afterEach(async () => {
    await ua?.close();
    await server?.close();
    ua = undefined;
    server = undefined;
  });

  it('starts on test ports with a copied conf, registers 1000, refuses a wrong password, cleans up', async () => {
    server = await StrowgerProcess.start({ timeLimitSec: 30 });
    const s = server;
    for (const p of [s.internalPort, s.externalPort]) {
      expect(p).toBeGreaterThanOrEqual(TEST_PORT_RANGE[0]);
      expect(p).toBeLessThanOrEqual(TEST_PORT_RANGE[1]);
    }
    expect(s.findLogs('profile started', 'internal', `127.0.0.1:${s.internalPort}`)).toHaveLength(1);

    ua = await startParty(scratch, { user: '1000', domain: s.internalHostPort, password: '1234', regint: 60, codecs: ['PCMU'], toneHz: 440, timeLimitSec: 20 });
    await ua.waitRegistered(5000);
    await ua.close();

    ua = await startParty(scratch, { user: '1001', domain: s.internalHostPort, password: 'wrong', regint: 60, codecs: ['PCMU'], toneHz: 440, timeLimitSec: 20 });
    await expect(ua.waitRegistered(4000)).rejects.toThrow(/REGISTER_FAIL|not registered/);
    await ua.close();
    ua = undefined;

    const base = s.baseDir;
    await s.close();
    expect(s.running).toBe(false);
    expect(existsSync(base)).toBe(false);
    scratch.cleanup();
  }, 40_000);
});
