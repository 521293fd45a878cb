/**
 * Issue 5, "Audio, with baresip": real calls through Strowger on loopback.
 *
 * Two baresip instances register to the internal profile as 1000 and 1001 (password 1234) of a
 * server started with --set local_ip_v4=127.0.0.1 on ports from 27000-27999. 1000 plays 440 Hz,
 * 1001 plays 1000 Hz; each side's recording of what it heard must carry the other's tone at
 * ±5 Hz in ≥ 80% of the frames after warm-up, at the level sent ±6 dB, and not its own tone.
 *
 * The server's media bridge logs `media bridge set up` with mode relay|transcode at debug level
 * (src/media/media-bridge.ts); that is the evidence for "relayed without transcoding".
 *
 * Each test starts its own server, so no registration or call state leaks between tests.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Baresip } from '../support/baresip';
import { ENCODER_LINE, Scratch, heardTone, placeCall, startParty, type CodecName } from '../support/call-scenario';
import { StrowgerProcess, type StrowgerOptions } from '../support/strowger-server';

const PASSWORD = '1234';
const TONE_1000 = 440;
const TONE_1001 = 1000;

const scratch = new Scratch();
let parties: Baresip[] = [];
let servers: StrowgerProcess[] = [];

afterEach(async () => {
  await Promise.allSettled(parties.map((p) => p.close()));
  await Promise.allSettled(servers.map((s) => s.close()));
  parties = [];
  servers = [];
});
afterAll(() => scratch.cleanup());

async function startServer(opts: StrowgerOptions = {}): Promise<StrowgerProcess> {
  const s = await StrowgerProcess.start({ timeLimitSec: 60, ...opts });
  servers.push(s);
  return s;
}

async function register(server: StrowgerProcess, user: string, codecs: CodecName[], toneHz: number): Promise<Baresip> {
  const ua = await startParty(scratch, {
    user,
    domain: server.internalHostPort,
    password: PASSWORD,
    regint: 60,
    codecs,
    toneHz,
    timeLimitSec: 40,
  });
  parties.push(ua);
  await ua.waitRegistered(5000);
  return ua;
}

/** The modes the server's media bridges were set up with, in order (from its debug log). */
function bridgeModes(server: StrowgerProcess): string[] {
  return server.logs.filter((l) => l.msg === 'media bridge set up').map((l) => String(l.mode));
}

/** read_codec of the inbound (A) and outbound (B) legs' CDRs, upper-cased. */
function legCodecs(cdrs: Record<string, unknown>[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of cdrs) out[String(c.direction)] = String(c.read_codec).toUpperCase();
  return out;
}

/** Diagnostics for a failed expectation: what both phones and the server said. */
function context(server: StrowgerProcess, ...uas: Baresip[]): string {
  const tail = server.logs
    .slice(-40)
    .map((l) => JSON.stringify(l))
    .join('\n');
  return `${uas.map((u) => `--- baresip ${u.opts.user}\n${u.log().slice(-1500)}`).join('\n')}\n--- server\n${tail}\n${server.rawOutput.slice(-1000)}`;
}

/**
 * Under late negotiation FreeSWITCH offers the B leg exactly the codecs A offered
 * (freeswitch-behaviour.md §3.7), so a G722-only caller reaching a PCMU-only phone would get 488.
 * The shipped conf/dialplan/default.xml exports media_mix_inbound_outbound_codecs=true before the
 * bridge (§3.2: the originator's codecs first, then outbound-codec-prefs), so these calls run on
 * the shipped configuration, unedited.
 */
async function twoPartyCall(aCodec: CodecName, bCodec: CodecName) {
  const server = await startServer({});
  const a = await register(server, '1000', [aCodec], TONE_1000);
  const b = await register(server, '1001', [bCodec], TONE_1001);
  let result;
  try {
    result = await placeCall(a, `sip:1001@${server.internalHostPort}`, b);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${context(server, a, b)}`);
  }
  // Each phone used only the codec it offered.
  expect(a.audioCodecs('encoder').join(), '1000 encoder').toContain(ENCODER_LINE[aCodec]);
  expect(b.audioCodecs('encoder').join(), '1001 encoder').toContain(ENCODER_LINE[bCodec]);
  const aHears = heardTone(result.callerHeard, TONE_1001);
  const bHears = heardTone(result.calleeHeard!, TONE_1000);
  if (process.env.STROWGER_AUDIO_VERBOSE) {
    console.log(`${aCodec}->${bCodec}: modes ${bridgeModes(server).join(',')}; 1000 enc ${a.audioCodecs().join('|')}; 1001 enc ${b.audioCodecs().join('|')}`);
    console.log(`  1000 hears: ${aHears.summary}\n  1001 hears: ${bHears.summary}`);
    console.log(server.findLogs('media bridge').map((l) => JSON.stringify(l)).join('\n'));
  }
  expect(aHears.pass, `1000 (${aCodec}) hears 1001 (${bCodec}): ${aHears.summary}`).toBe(true);
  expect(bHears.pass, `1001 (${bCodec}) hears 1000 (${aCodec}): ${bHears.summary}`).toBe(true);
  expect(heardTone(result.callerHeard, TONE_1000).pass, '1000 hears itself').toBe(false);
  expect(heardTone(result.calleeHeard!, TONE_1001).pass, '1001 hears itself').toBe(false);
  // The CDRs (one per leg) record each leg's codec as the server negotiated it.
  const cdrs = await server.waitCdrs(2);
  expect(legCodecs(cdrs)).toEqual({ inbound: aCodec.toUpperCase(), outbound: bCodec.toUpperCase() });
  return { server, a, b, cdrs };
}

/**
 * Each leg's CDR carries the media bridge mode and the leg's RTP counters (rtp_audio_*, set at
 * hangup): the stats that tell a relayed call from a transcoded one, and that media flowed both
 * ways on both legs (at least 1 s of 20 ms packets each way).
 */
function expectMediaStats(cdrs: Record<string, unknown>[], mode: 'relay' | 'transcode'): void {
  expect(cdrs.map((c) => c.direction).sort()).toEqual(['inbound', 'outbound']);
  for (const c of cdrs) {
    expect(c.media_bridge_mode, `${String(c.direction)} leg media_bridge_mode`).toBe(mode);
    expect(Number(c.rtp_audio_in_media_packet_count), `${String(c.direction)} leg RTP packets in`).toBeGreaterThanOrEqual(50);
    expect(Number(c.rtp_audio_out_media_packet_count), `${String(c.direction)} leg RTP packets out`).toBeGreaterThanOrEqual(50);
  }
}

describe('audio through Strowger (baresip 1000 -> 1001)', () => {
  it('G722 against PCMU: both tones arrive, transcoded', async () => {
    const { server, cdrs } = await twoPartyCall('G722', 'PCMU');
    expectMediaStats(cdrs, 'transcode');
    expect(bridgeModes(server)).toContain('transcode');
    expect(bridgeModes(server)).not.toContain('relay');
  }, 60_000);

  it('opus against PCMU: both tones arrive, transcoded', async () => {
    const { server, cdrs } = await twoPartyCall('opus', 'PCMU');
    expectMediaStats(cdrs, 'transcode');
    expect(bridgeModes(server)).toContain('transcode');
    expect(bridgeModes(server)).not.toContain('relay');
  }, 60_000);

  it('PCMU on both sides: both tones arrive, relayed without transcoding', async () => {
    const { server, cdrs } = await twoPartyCall('PCMU', 'PCMU');
    expectMediaStats(cdrs, 'relay');
    const modes = bridgeModes(server);
    expect(modes.length, 'the server logged no media bridge set-up (nothing tells relay from transcode)').toBeGreaterThan(0);
    expect(modes).toContain('relay');
    expect(modes).not.toContain('transcode');
  }, 60_000);

  it('9196 (echo): the caller hears its own tone back', async () => {
    const server = await startServer();
    const a = await register(server, '1000', ['PCMU'], TONE_1000);
    let result;
    try {
      result = await placeCall(a, `sip:9196@${server.internalHostPort}`);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${context(server, a)}`);
    }
    const v = heardTone(result.callerHeard, TONE_1000);
    expect(v.pass, `1000 hears its echo: ${v.summary}`).toBe(true);
    expect(legCodecs(await server.waitCdrs(1))).toEqual({ inbound: 'PCMU' });
  }, 60_000);
});

describe('codec policy end to end (freeswitch-behaviour.md §3.3)', () => {
  // The server prefers PCMU,G722; 1000 offers G722,PCMU. Both codecs are acceptable to both, so
  // only the policy decides: generous takes the offer's order (G722), greedy ours (PCMU).
  const serverPrefs = { global_codec_prefs: 'PCMU,G722' };
  const greedy = {
    'sip_profiles/internal.xml': (xml: string) =>
      xml.replace('name="inbound-codec-negotiation" value="generous"', 'name="inbound-codec-negotiation" value="greedy"'),
  };

  for (const [policy, confEdits, expected] of [
    ['generous', undefined, 'G722'],
    ['greedy', greedy, 'PCMU'],
  ] as const) {
    it(`${policy}: a G722,PCMU offer to a PCMU,G722 profile answers ${expected}`, async () => {
      const server = await startServer({ set: serverPrefs, confEdits });
      const a = await register(server, '1000', ['G722', 'PCMU'], TONE_1000);
      let result;
      try {
        result = await placeCall(a, `sip:9196@${server.internalHostPort}`);
      } catch (err) {
        throw new Error(`${(err as Error).message}\n${context(server, a)}`);
      }
      const enc = a.audioCodecs('encoder');
      expect(enc.length, 'baresip logged no encoder').toBeGreaterThan(0);
      expect(enc[enc.length - 1], `codec used under ${policy}`).toContain(ENCODER_LINE[expected]);
      const v = heardTone(result.callerHeard, TONE_1000);
      expect(v.pass, `echo under ${policy}: ${v.summary}`).toBe(true);
      expect(legCodecs(await server.waitCdrs(1)), `server's CDR under ${policy}`).toEqual({ inbound: expected });
    }, 60_000);
  }
});
