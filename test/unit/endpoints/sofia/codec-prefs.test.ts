/**
 * ep_codec_string / rtp_use_codec_string items (codec-prefs.ts formatPref/formatPrefs), asked again
 * and again with the same and with different codecs (formatPref remembers its answers).
 */
import { describe, expect, it } from 'vitest';
import { formatPref, formatPrefs } from '../../../../src/endpoints/sofia/codec-prefs';

describe('formatPref / formatPrefs', () => {
  it('names, rates, ptimes, bitrates and channels, the same on every call', () => {
    for (let round = 0; round < 3; round++) {
      expect(formatPref({ name: 'PCMU', clockRate: 8000, ptime: 20 })).toBe('PCMU@8000h@20i@64000b');
      expect(formatPref({ name: 'pcmu', clockRate: 8000, ptime: 30 })).toBe('PCMU@8000h@30i@64000b');
      expect(formatPref({ name: 'PCMU', clockRate: 8000 })).toBe('PCMU@8000h@20i@64000b');
      expect(formatPref({ name: 'opus', clockRate: 48000, ptime: 20, channels: 2 })).toBe('opus@48000h@20i@2c');
      expect(formatPref({ name: 'OPUS', clockRate: 48000, ptime: 20, channels: 1 })).toBe('opus@48000h@20i');
      expect(formatPref({ name: 'G722', clockRate: 8000, ptime: 20, channels: 1 })).toBe('G722@8000h@20i@64000b');
      expect(formatPref({ name: 'GSM', clockRate: 8000 })).toBe('GSM@8000h@20i');
      expect(formatPref({ name: 'GSM', clockRate: 8000, ptime: 40, channels: 3 })).toBe('GSM@8000h@40i@3c');
      expect(formatPrefs([])).toBe('');
      expect(formatPrefs([{ name: 'PCMA', clockRate: 8000, ptime: 20 }])).toBe('PCMA@8000h@20i@64000b');
      expect(formatPrefs([{ name: 'PCMA', clockRate: 8000, ptime: 20 }, { name: 'opus', clockRate: 48000, channels: 2 }, { name: 'PCMA', clockRate: 8000, ptime: 10 }])).toBe(
        'PCMA@8000h@20i@64000b,opus@48000h@20i@2c,PCMA@8000h@10i@64000b',
      );
    }
  });

  it('many distinct codecs and ptimes stay right past what is remembered', () => {
    for (let p = 10; p <= 120; p += 2) {
      expect(formatPref({ name: 'PCMU', clockRate: 8000, ptime: p })).toBe(`PCMU@8000h@${p}i@64000b`);
      expect(formatPref({ name: `X${p}`, clockRate: 16000, ptime: p })).toBe(`X${p}@16000h@${p}i`);
    }
    for (let i = 0; i < 300; i++) expect(formatPref({ name: `codec${i}`, clockRate: 8000 })).toBe(`codec${i}@8000h@20i`);
    expect(formatPref({ name: 'PCMU', clockRate: 8000, ptime: 20 })).toBe('PCMU@8000h@20i@64000b');
  });
});
