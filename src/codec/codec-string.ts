/**
 * FreeSWITCH codec strings (freeswitch-behaviour.md §3.1):
 *   item := [module.]NAME[@<rate>h|@<rate>k][@<ptime>i][@<bitrate>b][@<channels>c][~fmtp]
 *   list := ['=']item(','item)*
 * Qualifiers may come in any order; names match case-insensitively; duplicates collapse to the
 * first. Parsing is a hand scan (no regex): codec strings come from config and channel variables.
 */
import { StrowgerError } from '../util/errors';
import { describe, findCodec, type DescribeOverrides } from './registry';
import type { CodecDescription } from './types';

export interface ParseCodecStringOptions {
  /**
   * What to do with names the registry does not know (e.g. H264, VP8 in vanilla's
   * global_codec_prefs): 'throw' (default) raises CONFIG_INVALID; 'drop' skips them like
   * FreeSWITCH does and reports them through `dropped`.
   */
  unknown?: 'throw' | 'drop';
  dropped?: (token: string) => void;
}

export interface ParsedCodecString {
  /** A leading '=' means "use exactly this list" (no originator codec prepended). */
  exact: boolean;
  codecs: CodecDescription[];
}

function bad(token: string, why: string): StrowgerError {
  return new StrowgerError('CONFIG_INVALID', `codec string item '${token}': ${why}`, { token });
}

/** Parse a non-negative decimal integer made only of digits; -1 if anything else. */
function digits(s: string): number {
  if (s.length === 0 || s.length > 9) return -1;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

function parseItem(token: string, opts: ParseCodecStringOptions): CodecDescription | undefined {
  let head = token;
  let fmtp: string | undefined;
  const tilde = token.indexOf('~');
  if (tilde >= 0) {
    head = token.slice(0, tilde);
    fmtp = token.slice(tilde + 1).trim();
    if (fmtp.length === 0) throw bad(token, 'empty fmtp after ~');
  }
  const parts = head.split('@');
  let name = parts[0]!.trim();
  const dot = name.lastIndexOf('.');
  if (dot >= 0) name = name.slice(dot + 1); // [module.]NAME
  if (name.length === 0) throw bad(token, 'missing codec name');
  const info = findCodec(name);
  if (!info) {
    if (opts.unknown === 'drop') {
      opts.dropped?.(token);
      return undefined;
    }
    throw new StrowgerError('CONFIG_INVALID', `codec string item '${token}': unknown codec '${name}'`, { token, codec: name });
  }
  const o: DescribeOverrides = {};
  for (let i = 1; i < parts.length; i++) {
    const q = parts[i]!.trim();
    if (q.length < 2) throw bad(token, `bad modifier '@${q}'`);
    const unit = q[q.length - 1]!.toLowerCase();
    const n = digits(q.slice(0, -1));
    if (n < 0) throw bad(token, `bad modifier '@${q}' (expected digits then h, k, i, b or c)`);
    const seen = (k: keyof DescribeOverrides): void => {
      if (o[k] !== undefined) throw bad(token, `modifier '@${q}' given twice`);
    };
    switch (unit) {
      case 'h':
      case 'k': {
        seen('rate');
        const rate = unit === 'k' ? n * 1000 : n;
        if (!info.rates.includes(rate)) throw bad(token, `${info.name} has no ${rate} Hz implementation (have ${info.rates.join(', ')})`);
        o.rate = rate;
        break;
      }
      case 'i':
        seen('ptime');
        if (!info.ptimes.includes(n)) throw bad(token, `${info.name} has no ${n} ms ptime (have ${info.ptimes.join(', ')})`);
        o.ptime = n;
        break;
      case 'b':
        seen('bitrate');
        if (info.bitrateRange) {
          if (n < info.bitrateRange[0] || n > info.bitrateRange[1]) throw bad(token, `bitrate ${n} outside ${info.bitrateRange[0]}-${info.bitrateRange[1]}`);
        } else if (info.bitrate === undefined || n !== info.bitrate) {
          throw bad(token, `${info.name} has no ${n} b/s implementation`);
        }
        o.bitrate = n;
        break;
      case 'c':
        seen('channels');
        if (!info.channels.includes(n)) throw bad(token, `${info.name} has no ${n}-channel implementation`);
        o.channels = n;
        break;
      default:
        throw bad(token, `unknown modifier '@${q}' (expected h, k, i, b or c)`);
    }
  }
  if (fmtp !== undefined) o.fmtp = fmtp;
  return describe(info, o);
}

function sameCodec(a: CodecDescription, b: CodecDescription): boolean {
  return a.name === b.name && a.sampleRate === b.sampleRate && a.ptime === b.ptime && a.channels === b.channels;
}

/** Parse with the leading-'=' flag. Throws StrowgerError CONFIG_INVALID naming the bad token. */
export function parseCodecStringExact(s: string, opts: ParseCodecStringOptions = {}): ParsedCodecString {
  let body = s.trim();
  let exact = false;
  if (body.startsWith('=')) {
    exact = true;
    body = body.slice(1);
  }
  const codecs: CodecDescription[] = [];
  if (body.trim().length === 0) return { exact, codecs };
  for (const raw of body.split(',')) {
    const token = raw.trim();
    if (token.length === 0) throw new StrowgerError('CONFIG_INVALID', `codec string '${s}': empty item`, { token: raw });
    const d = parseItem(token, opts);
    if (d && !codecs.some((c) => sameCodec(c, d))) codecs.push(d);
  }
  return { exact, codecs };
}

/** `parseCodecString('OPUS,G722,PCMU@20i')` -> descriptions with defaults filled in. */
export function parseCodecString(s: string, opts: ParseCodecStringOptions = {}): CodecDescription[] {
  return parseCodecStringExact(s, opts).codecs;
}

/** Inverse of parseCodecString: explicit rate when not the default, ptime always. */
export function formatCodecString(codecs: readonly CodecDescription[]): string {
  return codecs.map(formatCodec).join(',');
}

export function formatCodec(d: CodecDescription): string {
  const info = findCodec(d.name);
  let s = info?.name ?? d.name;
  if (info && info.name !== 'G722' && d.sampleRate !== info.sampleRate) s += `@${d.sampleRate}h`;
  s += `@${d.ptime}i`;
  if (d.bitrate !== undefined && d.bitrate !== info?.bitrate) s += `@${d.bitrate}b`;
  if (d.channels !== 1) s += `@${d.channels}c`;
  if (d.fmtp !== undefined && d.fmtp !== info?.defaultFmtp) s += `~${d.fmtp}`;
  return s;
}
