import { describe, expect, it } from 'vitest';
import { formatCodecString, parseCodecString, parseCodecStringExact } from '../../../src/codec/codec-string';
import { isStrowgerError } from '../../../src/util/errors';

function errorOf(fn: () => unknown): { code: string; message: string; token: unknown } {
  try {
    fn();
  } catch (e) {
    if (isStrowgerError(e)) return { code: e.code, message: e.message, token: e.details?.token };
    throw e;
  }
  throw new Error('did not throw');
}

describe('parseCodecString', () => {
  it('parses the brief example with defaults filled in', () => {
    const l = parseCodecString('OPUS,G722,PCMU@20i,PCMA,opus@48000h@20i@2c,L16@16000h');
    expect(l).toEqual([
      { name: 'opus', clockRate: 48000, sampleRate: 48000, channels: 1, ptime: 20 },
      { name: 'G722', staticPt: 9, clockRate: 8000, sampleRate: 16000, channels: 1, ptime: 20, bitrate: 64000 },
      { name: 'PCMU', staticPt: 0, clockRate: 8000, sampleRate: 8000, channels: 1, ptime: 20, bitrate: 64000 },
      { name: 'PCMA', staticPt: 8, clockRate: 8000, sampleRate: 8000, channels: 1, ptime: 20, bitrate: 64000 },
      { name: 'opus', clockRate: 48000, sampleRate: 48000, channels: 2, ptime: 20 },
      { name: 'L16', clockRate: 16000, sampleRate: 16000, channels: 1, ptime: 20 },
    ]);
  });

  it('modifiers in any order, k rates, module prefix, fmtp, case-insensitive names', () => {
    const [a, b, c, d, e] = parseCodecString(' pcma@30i , mod_opus.opus@20i@16000h@24000b~useinbandfec=1; usedtx=1, g722@16000h, l16@48k@10i, Telephone-Event ');
    expect(a).toMatchObject({ name: 'PCMA', ptime: 30 });
    expect(b).toMatchObject({ name: 'opus', sampleRate: 16000, clockRate: 48000, bitrate: 24000, fmtp: 'useinbandfec=1; usedtx=1' });
    expect(c).toMatchObject({ name: 'G722', sampleRate: 16000, clockRate: 8000 }); // @16000h and @8000h are the same G.722
    expect(d).toMatchObject({ name: 'L16', sampleRate: 48000, clockRate: 48000, ptime: 10 });
    expect(e).toMatchObject({ name: 'telephone-event', clockRate: 8000, fmtp: '0-15' });
  });

  it('collapses duplicates and reads the leading = flag', () => {
    expect(parseCodecString('PCMU,pcmu@20i,PCMU@30i').map((c) => c.ptime)).toEqual([20, 30]);
    expect(parseCodecStringExact('=PCMA,PCMU')).toMatchObject({ exact: true, codecs: [{ name: 'PCMA' }, { name: 'PCMU' }] });
    expect(parseCodecStringExact('PCMA').exact).toBe(false);
    expect(parseCodecString('')).toEqual([]);
  });

  it('unknown codecs throw CONFIG_INVALID naming the token, or are dropped on request', () => {
    expect(errorOf(() => parseCodecString('PCMU,H264,PCMA'))).toMatchObject({ code: 'CONFIG_INVALID', token: 'H264' });
    expect(errorOf(() => parseCodecString('G729')).message).toContain("'G729'");
    const dropped: string[] = [];
    const l = parseCodecString('OPUS,G722,PCMU,PCMA,H264,VP8', { unknown: 'drop', dropped: (t) => dropped.push(t) });
    expect(l.map((c) => c.name)).toEqual(['opus', 'G722', 'PCMU', 'PCMA']);
    expect(dropped).toEqual(['H264', 'VP8']);
  });

  it.each([
    ['PCMU@20x', 'PCMU@20x'],
    ['PCMU@i', 'PCMU@i'],
    ['PCMU@-20i', 'PCMU@-20i'],
    ['PCMU@16000h', 'PCMU@16000h'],
    ['PCMU@25i', 'PCMU@25i'],
    ['PCMU@20i@30i', 'PCMU@20i@30i'],
    ['PCMU@32000b', 'PCMU@32000b'],
    ['PCMU@2c', 'PCMU@2c'],
    ['opus@44100h', 'opus@44100h'],
    ['opus@1000b', 'opus@1000b'],
    ['opus@30i', 'opus@30i'],
    ['@20i', '@20i'],
    ['PCMU~', 'PCMU~'],
    ['PCMU@2 0i', 'PCMU@2 0i'],
  ])('bad item %s throws CONFIG_INVALID naming it', (s, token) => {
    const e = errorOf(() => parseCodecString(`PCMA,${s}`));
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.token).toBe(token);
    expect(e.message).toContain(token);
  });

  it('empty items are errors', () => {
    expect(errorOf(() => parseCodecString('PCMU,,PCMA')).code).toBe('CONFIG_INVALID');
  });

  it('a long hostile string is handled in linear time', () => {
    const s = `PCMU${'@'.repeat(20000)}`;
    const t0 = performance.now();
    expect(errorOf(() => parseCodecString(s)).code).toBe('CONFIG_INVALID');
    expect(performance.now() - t0).toBeLessThan(200);
  });
});

describe('formatCodecString', () => {
  it('round-trips through parse', () => {
    const src = 'OPUS,G722,PCMU@20i,PCMA@30i,opus@16000h@20i@2c@24000b~useinbandfec=1,L16@16000h,telephone-event';
    const l = parseCodecString(src);
    const s = formatCodecString(l);
    expect(s).toBe('opus@20i,G722@20i,PCMU@20i,PCMA@30i,opus@16000h@20i@24000b@2c~useinbandfec=1,L16@16000h@20i,telephone-event@20i');
    expect(parseCodecString(s)).toEqual(l);
  });
});
