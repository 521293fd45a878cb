/**
 * Wire-level torture test (security.md §1.4, goal G1/G2): every RFC 4475 message and every
 * converted RFC 5118 message is sent as one UDP datagram to the minimal profile server, and the
 * framing cases again over TCP. The messages name hosts like 192.0.2.x and example.com, so the
 * server and the sender run in torture-runner.ts inside a network namespace with only loopback
 * (`unshare -n`): anything addressed elsewhere fails with "network unreachable" and never leaves.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TortureResult, UdpCaseResult } from './torture-runner';

const ROOT = resolve(__dirname, '../../..');
const FIX = resolve(ROOT, '../shared/fixtures');

/**
 * Messages whose RFC-expected handling needs the registrar (issue 4). The test asserts they STILL
 * differ from the ideal, so whoever lands the registrar must move them out of this list.
 */
const KNOWN_GAPS: Record<string, { ideal: (finalStatus: number | undefined) => boolean; reason: string }> = {
  // regaut01 (401 challenge), cparam01, cparam02, regescrt (200) are handled since the registrar
  // landed (issue 4); torture-runner.ts attaches one to each per-message server.
};

let result: TortureResult;

beforeAll(() => {
  const run = spawnSync('unshare', ['-n', 'sh', '-c', 'ip link set lo up && exec node_modules/.bin/tsx test/integration/sip/torture-runner.ts'], {
    cwd: ROOT,
    env: { ...process.env, STROWGER_LOG_LEVEL: 'silent' },
    encoding: 'utf8',
    timeout: 90_000,
  });
  const line = run.stdout.split('\n').find((l) => l.startsWith('TORTURE_RESULT '));
  if (!line) {
    throw new Error(`torture runner failed (status ${run.status}; unshare needs root): ${run.stderr}\n${run.stdout}`.slice(0, 4000));
  }
  result = JSON.parse(line.slice('TORTURE_RESULT '.length)) as TortureResult;
}, 120_000);

function finalOf(c: UdpCaseResult): number | undefined {
  const finals = c.statuses.filter((s) => s >= 200);
  return finals[0];
}

function manifestNames(suite: string): string[] {
  return (JSON.parse(readFileSync(resolve(FIX, suite, 'manifest.json'), 'utf8')) as { messages: Array<{ name: string }> }).messages.map((m) => m.name);
}

describe('RFC 4475 / RFC 5118 over UDP (one datagram each)', () => {
  it('ran every message of both manifests (49 + 12)', () => {
    expect(result.udp.filter((c) => c.suite === 'rfc4475').map((c) => c.name)).toEqual(manifestNames('rfc4475'));
    expect(result.udp.filter((c) => c.suite === 'rfc5118').map((c) => c.name)).toEqual(manifestNames('rfc5118'));
  });

  it('after every message the server still answers OPTIONS with 200', () => {
    expect(result.udp.filter((c) => !c.optionsOk).map((c) => c.name)).toEqual([]);
  });

  it('every message is handled as its manifest says (known registrar gaps excepted)', () => {
    const failures: string[] = [];
    for (const c of result.udp) {
      if (KNOWN_GAPS[c.name]) continue;
      const final = finalOf(c);
      const finals = c.statuses.filter((s) => s >= 200).length;
      const why = (msg: string) => failures.push(`${c.suite}/${c.name} (${c.expect}): ${msg}; got [${c.statuses.join(', ')}] ${c.reasons.join(' | ')}`);
      if (c.expect.startsWith('reject-')) {
        if (final !== Number(c.expect.slice(7))) why('wrong final status');
      } else if (c.expect === 'drop') {
        if (c.statuses.length > 0) why('a dropped message was answered');
      } else if (c.expect === 'parse' || c.expect === 'accept') {
        if (c.kind === 'response') {
          if (c.statuses.length > 0 || c.delta.parseErrors > 0) why('a valid response must parse and not be answered');
        } else if (final === undefined || final === 400) {
          why('a valid request must be answered, not with 400');
        }
      } else if (c.expect === 'tolerate') {
        if (final === undefined) why('must still be answered');
      } else if (c.expect === 'challenge-401') {
        // regaut01: an unknown Authorization scheme is no credentials; the registrar challenges.
        if (final !== 401) why('expected a 401 Digest challenge');
      } else if (c.expect === 'see-note') {
        // zeromf: a local endpoint processes OPTIONS with Max-Forwards 0 normally.
        if (final !== 200) why('handled locally: expected 200');
      } else {
        why(`unhandled expectation ${c.expect}`);
      }
      if (c.kind === 'request' && finals > 1) why('more than one final response');
    }
    expect(failures).toEqual([]);
  });

  it('dblreq: exactly one request processed, the trailing INVITE octets ignored (RFC 3261 §18.3)', () => {
    const c = result.udp.find((x) => x.name === 'dblreq')!;
    expect(c.delta.requestsIn).toBe(1);
    expect(c.statuses).toEqual([200]); // the REGISTER, accepted by the (blind) registrar
  });

  it('valid responses (unreason, noreason) are parsed and dropped as stray; scalarlg/bcast are refused', () => {
    const by = (n: string) => result.udp.find((x) => x.name === n)!;
    expect(by('unreason').delta.strayResponses).toBe(1);
    expect(by('noreason').delta.strayResponses).toBe(1);
    expect(by('scalarlg').delta.responsesDropped + by('scalarlg').delta.parseErrors).toBe(1);
    expect(by('bcast').delta.responsesDropped).toBe(1); // two Vias: a UAC discards it (§8.1.3.3)
    expect(by('bigcode').delta.responsesDropped + by('bigcode').delta.parseErrors).toBe(1);
  });

  const gaps = Object.entries(KNOWN_GAPS);
  if (gaps.length === 0) {
    it('no known gaps remain (regaut01, cparam01, cparam02, regescrt are checked above)', () => {
      for (const n of ['regaut01', 'cparam01', 'cparam02', 'regescrt']) expect(result.udp.some((x) => x.name === n)).toBe(true);
    });
  } else {
    it.each(gaps)('KNOWN GAP %s: %s — answered, but not yet as the RFC wants', (name) => {
      const c = result.udp.find((x) => x.name === name)!;
      const final = finalOf(c);
      expect(final).toBeDefined(); // never silence
      expect(KNOWN_GAPS[name]!.ideal(final)).toBe(false);
    });
  }

  it('400 reason phrases say what was wrong', () => {
    const bad = result.udp.filter((c) => c.statuses.includes(400));
    expect(bad.length).toBeGreaterThan(10);
    for (const c of bad) {
      const reason = c.reasons[c.statuses.indexOf(400)]!;
      expect(reason, c.name).not.toBe('Bad Request');
      expect(reason.length, c.name).toBeGreaterThan(5);
    }
  });
});

describe('RFC 4475 stream framing cases over TCP', () => {
  const by = (n: string) => result.tcp.find((x) => x.name === n)!;

  it('clerr: the server waits for the missing body, then closes at the message timeout', () => {
    const c = by('clerr');
    expect(c.statuses).toEqual([]);
    expect(c.closed).toBe(true);
    expect(c.closedAfterMs!).toBeGreaterThanOrEqual(result.messageTimeoutMs - 50);
    expect(c.closedAfterMs!).toBeLessThan(result.messageTimeoutMs + 2000);
  });

  it.each(['ncl', 'mcl01'])('%s: framing lost -> 400, then the connection is closed at once', (name) => {
    const c = by(name);
    expect(c.statuses).toEqual([400]);
    expect(c.closed).toBe(true);
    expect(c.closedAfterMs!).toBeLessThan(result.messageTimeoutMs);
  });

  it('baddn (no empty line ends the header section): the stream does not hang forever', () => {
    const c = by('baddn');
    expect(c.closed).toBe(true);
    expect(c.closedAfterMs!).toBeLessThan(result.messageTimeoutMs + 2000);
  });

  it('the server answers OPTIONS after each TCP case', () => {
    expect(result.tcp.map((c) => c.optionsOk)).toEqual([true, true, true, true]);
  });

});

describe('nothing leaves loopback', () => {
  it('every torture response went back to the sender (received/rport): no send errors, nothing unroutable', () => {
    expect(result.counters.requestsIn).toBeGreaterThan(60);
    expect(result.counters.sendErrors).toBe(0);
    expect(result.counters.unroutable).toBe(0);
  });

  it('a response routed to an unreachable address (Via maddr=192.0.2.1) is counted, the server lives on', () => {
    expect(result.unreachable.sendErrors).toBe(1);
    expect(result.unreachable.statuses).toEqual([]);
    expect(result.unreachable.optionsOk).toBe(true);
  });
});
