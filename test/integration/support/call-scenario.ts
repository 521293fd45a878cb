/**
 * Call scenarios for real-client audio tests: baresip parties that each play a known tone, a call
 * between them (or to a service such as echo), and the verdict on what each side recorded.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkTone, readWav, tone, writeWav, type ToneVerdict } from './audio';
import { Baresip, BARESIP_CODEC, type BaresipOptions } from './baresip';

export type CodecName = keyof typeof BARESIP_CODEC;

/** The rate baresip's aufile source must run at for each codec (no resampling inside baresip). */
export const CODEC_RATE: Record<CodecName, number> = { PCMU: 8000, PCMA: 8000, G722: 16000, opus: 48000 };

/** Substring of baresip's "Set audio encoder:" line for each codec. */
export const ENCODER_LINE: Record<CodecName, string> = {
  PCMU: 'PCMU 8000Hz',
  PCMA: 'PCMA 8000Hz',
  G722: 'G722 16000Hz',
  opus: 'opus 48000Hz',
};

export const TONE_DBFS = -12;

/** A scratch folder for WAVs, removed by cleanup(). */
export class Scratch {
  readonly dir = mkdtempSync(join(tmpdir(), 'strowger-audio-'));
  /** A mono 16-bit tone WAV at `rate`, long enough to outlast the call (baresip hangs up at its end). */
  toneWav(name: string, hz: number, rate: number, seconds = 15): string {
    const path = join(this.dir, `${name}.wav`);
    writeWav(path, { rate, samples: tone({ freqs: [hz], rate, seconds, dbfs: TONE_DBFS }) });
    return path;
  }
  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface PartySpec extends Omit<BaresipOptions, 'sourceWav' | 'srate' | 'codecs'> {
  /** Offered codecs, first preferred; the source WAV runs at the first one's rate. */
  codecs: CodecName[];
  toneHz: number;
}

/** Start a baresip party playing its tone. */
export function startParty(scratch: Scratch, spec: PartySpec): Promise<Baresip> {
  const rate = CODEC_RATE[spec.codecs[0]!];
  const { codecs, toneHz, ...rest } = spec;
  return Baresip.start({
    ...rest,
    codecs: codecs.map((c) => BARESIP_CODEC[c]),
    srate: rate,
    sourceWav: scratch.toneWav(`${spec.user}-${toneHz}-${rate}`, toneHz, rate),
  });
}

export interface CallResult {
  /** The recording of what the caller heard. */
  callerHeard: string;
  /** The recording of what the callee heard (when a callee party took part). */
  calleeHeard?: string;
}

/**
 * Caller dials `uri`; waits for CALL_ESTABLISHED on the caller (and the callee when given), lets
 * audio flow for talkMs, hangs up from the caller and waits for CALL_CLOSED on both, then returns
 * the newest received-audio recording of each.
 */
export async function placeCall(caller: Baresip, uri: string, callee?: Baresip, talkMs = 2500): Promise<CallResult> {
  const callerBefore = caller.receivedRecordings().length;
  const calleeBefore = callee?.receivedRecordings().length ?? 0;
  const outcome = caller.waitEvent('CALL_ESTABLISHED', 8000, undefined, true, ['CALL_CLOSED']);
  await caller.dial(uri);
  const first = await outcome;
  if (first.type !== 'CALL_ESTABLISHED') throw new Error(`call to ${uri} closed before it was established: ${first.param ?? '?'}`);
  if (callee) await callee.waitEvent('CALL_ESTABLISHED', 4000);
  await sleep(talkMs);
  // Closed events can arrive from either side's hang-up; listen before hanging up.
  const callerClosed = caller.waitEvent('CALL_CLOSED', 5000, undefined, true);
  const calleeClosed = callee?.waitEvent('CALL_CLOSED', 5000, undefined, true);
  await caller.hangup();
  await callerClosed;
  if (calleeClosed) await calleeClosed;
  await sleep(200); // sndfile finalises the file as the call is destroyed
  const callerHeard = newest(caller.receivedRecordings(), callerBefore, 'caller');
  const calleeHeard = callee ? newest(callee.receivedRecordings(), calleeBefore, 'callee') : undefined;
  return { callerHeard, calleeHeard };
}

function newest(list: string[], before: number, who: string): string {
  if (list.length <= before) throw new Error(`the ${who} has no new recording (sndfile wrote nothing)`);
  return list[list.length - 1]!;
}

/** The verdict on one recording: the tone at ±5 Hz in ≥ 80% of frames after warm-up, at the level sent ±6 dB. */
export function heardTone(recording: string, hz: number, opts: { sentDbfs?: number | null } = {}): ToneVerdict {
  return checkTone(readWav(recording), {
    freqHz: hz,
    sentDbfs: opts.sentDbfs === null ? undefined : (opts.sentDbfs ?? TONE_DBFS),
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
