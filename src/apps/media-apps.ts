/**
 * Media dptools: echo and playback (freeswitch-behaviour.md §6.1). Both pre-answer the channel
 * when it has no media yet, as FreeSWITCH does, and go through the leg's MediaHandle (src/core);
 * a leg without a media handle is timed as if the audio were played (tests, signalling-only legs).
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, basename } from 'node:path';
import { audioFrameShape, type AppDefinition, type Channel, type Core, type L16Source } from '../core';
import { parseSilenceStream, parseToneStream, SilenceSource, ToneSource } from './tone-stream';
import { untilAborted, waitFor } from './wait';
import { BufferSource, NATIVE_RATES, parseWav, resampleLinear } from './wav';

/** Largest file playback will load (bytes). */
export const MAX_PLAYBACK_FILE = 64 * 1024 * 1024;

async function ensureMedia(ch: Channel): Promise<void> {
  if (!ch.answered && !ch.earlyMedia) await ch.preAnswer();
}

export const echoApp: AppDefinition = {
  name: 'echo',
  syntax: '',
  summary: 'Echo audio and video back to the caller',
  async handler(ch, _data, { cancel }) {
    await ensureMedia(ch);
    const m = ch.media();
    if (!m) ch.log.warn('echo: channel has no media handle; waiting without audio');
    const link = m?.echo();
    try {
      await untilAborted(cancel);
    } finally {
      link?.close();
    }
  },
};

/** The L16 rate playback sources are generated at for this leg. */
function legRate(ch: Channel): number {
  const r = audioFrameShape(ch.media()?.codec).sampleRate;
  return NATIVE_RATES.includes(r) ? r : 8000;
}

function hasDotDot(p: string): boolean {
  return p.split('/').some((seg) => seg === '..');
}

async function loadFile(ch: Channel, path: string, rate: number): Promise<L16Source | undefined> {
  let full = path;
  if (!isAbsolute(path)) {
    if (hasDotDot(path)) return undefined;
    const prefix = ch.getVariable('sound_prefix');
    full = prefix ? join(prefix, path) : path;
  }
  // FreeSWITCH sound trees keep one directory per rate: try <dir>/<rate>/<file> as well.
  const candidates = [full, join(dirname(full), String(rate), basename(full)), join(dirname(full), '8000', basename(full))];
  for (const c of candidates) {
    let buf: Buffer;
    try {
      buf = await readFile(c);
    } catch {
      continue;
    }
    if (buf.length > MAX_PLAYBACK_FILE) {
      ch.log.warn({ file: c, bytes: buf.length }, 'playback file too large');
      return undefined;
    }
    const wav = parseWav(buf);
    if (NATIVE_RATES.includes(wav.sampleRate)) return new BufferSource(wav.samples, wav.sampleRate);
    return new BufferSource(resampleLinear(wav.samples, wav.sampleRate, rate), rate);
  }
  return undefined;
}

/** Turn one playback target into a source; undefined = not found / not playable. */
export async function openPlaybackSource(ch: Channel, target: string): Promise<L16Source | undefined> {
  const rate = legRate(ch);
  if (target.startsWith('tone_stream://')) {
    const spec = parseToneStream(target.slice('tone_stream://'.length));
    return spec ? new ToneSource(spec, rate) : undefined;
  }
  if (target.startsWith('silence_stream://')) {
    const s = parseSilenceStream(target.slice('silence_stream://'.length));
    return s ? new SilenceSource(s.ms, s.factor, rate) : undefined;
  }
  return loadFile(ch, target, rate);
}

/** Consume a source at real-time pace on the core clock (no media handle to play into). */
async function paceWithoutMedia(core: Core, ch: Channel, source: L16Source, signal: AbortSignal): Promise<void> {
  const shape = audioFrameShape(ch.media()?.codec);
  const frame = new Int16Array(Math.max(1, Math.round((source.sampleRate * shape.ptimeMs) / 1000)));
  const start = core.clock.now();
  for (let n = 1; !signal.aborted; n++) {
    if (source.read(frame) <= 0) return;
    const due = start + n * shape.ptimeMs - core.clock.now();
    if (!(await waitFor(core.clock, due, signal))) return;
  }
}

export const playbackApp: AppDefinition = {
  name: 'playback',
  syntax: '<path>',
  summary: 'Playback File',
  async handler(ch, data, { core, cancel: signal }) {
    const target = data.trim();
    if (!target) return { response: 'PLAYBACK ERROR' };
    await ensureMedia(ch);
    const items = target.startsWith('file_string://') ? target.slice('file_string://'.length).split('!').filter(Boolean) : [target];
    const terminators = ch.getVariable('playback_terminators') ?? '*';
    const stop = new AbortController();
    const onAbort = (): void => stop.abort('interrupted');
    signal.addEventListener('abort', onAbort, { once: true });
    const offDtmf = ch.local.on('dtmf', (digit) => {
      if (terminators !== 'none' && terminators.includes(digit)) {
        ch.setVariable('playback_terminator_used', digit);
        stop.abort('terminator');
      }
    });
    let response = 'FILE PLAYED';
    try {
      for (const item of items) {
        if (stop.signal.aborted) break;
        let source: L16Source | undefined;
        try {
          source = await openPlaybackSource(ch, item);
        } catch (err) {
          ch.log.warn({ err, file: item }, 'playback: cannot open');
          response = 'PLAYBACK ERROR';
          break;
        }
        if (!source) {
          ch.log.warn({ file: item }, 'playback: file not found');
          response = 'FILE NOT FOUND';
          break;
        }
        core.fireChannelEvent(ch, 'PLAYBACK_START', [['Playback-File-Path', item]]);
        const m = ch.media();
        if (m) await m.play(source, stop.signal);
        else await paceWithoutMedia(core, ch, source, stop.signal);
        core.fireChannelEvent(ch, 'PLAYBACK_STOP', [
          ['Playback-File-Path', item],
          ['Playback-Status', stop.signal.aborted ? 'break' : 'done'],
        ]);
      }
    } finally {
      offDtmf();
      signal.removeEventListener('abort', onAbort);
    }
    return { response };
  },
};

export const mediaApps: AppDefinition[] = [echoApp, playbackApp];

/**
 * The core's ringback player: a bare TGML tone (`%(2000,4000,440,480)`, as in the vanilla
 * `us-ring` variable), a `tone_stream://` URL, or a file, repeated until `signal` aborts.
 */
export async function playRingback(ch: Channel, spec: string, signal: AbortSignal): Promise<void> {
  const target = spec.startsWith('%(') ? `tone_stream://${spec};loops=-1` : spec;
  for (let round = 0; !signal.aborted && ch.up; round++) {
    const source = await openPlaybackSource(ch, target);
    if (!source) {
      ch.log.warn({ ringback: spec }, 'ringback source not found');
      return;
    }
    const m = ch.media();
    if (!m) return;
    await m.play(source, signal);
    if (round > 10_000) return;
  }
}
