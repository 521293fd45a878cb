/** sofia/<profile>/<dest> parsing, codec list precedence (§3.2), INFO dtmf-relay bodies. */
import { describe, expect, it } from 'vitest';
import { legCodecPrefs, parseDtmfRelay, parseSofiaDest, prefsFromCodecString, hasImplementation, formatPrefs } from '../../../../src/endpoints/sofia';
import { sofiaDialString } from '../../../../src/endpoints/sofia/sofia-contact';
import type { Binding } from '../../../../src/endpoints/sofia/location';

describe('parseSofiaDest', () => {
  it('URIs, user@host, registered-user lookups, bad input', () => {
    const u = parseSofiaDest('sip:1001@127.0.0.2:5062;transport=tcp');
    expect('uri' in u && u.target).toEqual({ protocol: 'TCP', address: '127.0.0.2', port: 5062 });
    expect('uri' in u && u.toUri).toBe('sip:1001@127.0.0.2:5062');
    const h = parseSofiaDest('uas@127.0.0.1:5090');
    expect('uri' in h && h.target).toEqual({ protocol: 'UDP', address: '127.0.0.1', port: 5090 });
    expect(parseSofiaDest('1000')).toEqual({ lookup: { user: '1000' } });
    expect(parseSofiaDest('1000%example.com')).toEqual({ lookup: { user: '1000', domain: 'example.com' } });
    expect(parseSofiaDest('sip:')).toEqual({ cause: 'INVALID_URL' });
    expect(parseSofiaDest('x'.repeat(2000))).toEqual({ cause: 'INVALID_URL' });
    const named = parseSofiaDest('sip:1000@pbx.example.com');
    expect('uri' in named && named.target).toBeUndefined(); // no resolver: NO_ROUTE_DESTINATION upstream
  });

  it("a NATed registration's fs_path (as the registrar writes it) routes the request; the Request-URI keeps the contact", () => {
    const b = {
      profile: 'internal',
      contact: 'sip:1000@10.0.0.5:5060',
      nat: true,
      routeTarget: 'sip:127.0.0.9:31337;transport=udp',
    } as Binding;
    const dial = sofiaDialString(b);
    expect(dial.startsWith('sofia/internal/')).toBe(true);
    const d = parseSofiaDest(dial.slice('sofia/internal/'.length));
    if (!('uri' in d)) throw new Error('not parsed');
    expect(d.target).toEqual({ protocol: 'UDP', address: '127.0.0.9', port: 31337 });
    expect(d.toUri).toBe('sip:1000@10.0.0.5:5060');
    expect(d.uri.params).toEqual([]);
  });
});

describe('codec lists (freeswitch-behaviour.md §3.2)', () => {
  const vars = (v: Record<string, string>) => ({ getVariable: (n: string) => v[n] });
  const profile = { inbound: 'OPUS,G722,PCMU,PCMA,H264', outbound: 'PCMU' };

  it('absolute_codec_string > originator codec > codec_string > profile list; unknown names dropped', () => {
    expect(formatPrefs(legCodecPrefs(vars({}), profile, 'inbound'))).toBe('opus@48000h@20i@2c,G722@8000h@20i@64000b,PCMU@8000h@20i@64000b,PCMA@8000h@20i@64000b');
    expect(formatPrefs(legCodecPrefs(vars({}), profile, 'outbound'))).toBe('PCMU@8000h@20i@64000b');
    const orig = prefsFromCodecString('G722');
    expect(formatPrefs(legCodecPrefs(vars({ codec_string: 'PCMA' }), profile, 'outbound', orig))).toBe('G722@8000h@20i@64000b');
    expect(formatPrefs(legCodecPrefs(vars({ absolute_codec_string: 'PCMA@30i' }), profile, 'outbound', orig))).toBe('PCMA@8000h@30i@64000b');
    expect(formatPrefs(legCodecPrefs(vars({ media_mix_inbound_outbound_codecs: 'true' }), profile, 'outbound', orig))).toBe('G722@8000h@20i@64000b,PCMU@8000h@20i@64000b');
    expect(formatPrefs(legCodecPrefs(vars({}), {}, 'inbound'))).toBe('PCMU@8000h@20i@64000b,PCMA@8000h@20i@64000b');
    expect(prefsFromCodecString('NOPE,,')).toEqual([]);
  });

  it('implementations the codec layer has', () => {
    expect(hasImplementation({ name: 'PCMU', clockRate: 8000, ptime: 30, channels: 1 })).toBe(true);
    expect(hasImplementation({ name: 'G722', clockRate: 8000, ptime: 20, channels: 1 })).toBe(true);
    expect(hasImplementation({ name: 'opus', clockRate: 48000, ptime: 20, channels: 2 })).toBe(true);
    expect(hasImplementation({ name: 'GSM', clockRate: 8000, ptime: 20, channels: 1 })).toBe(false);
    expect(hasImplementation({ name: 'PCMU', clockRate: 16000, ptime: 20, channels: 1 })).toBe(false);
  });
});

describe('application/dtmf-relay', () => {
  it('Signal and Duration; junk ignored', () => {
    expect(parseDtmfRelay('Signal=5\r\nDuration=160\r\n')).toEqual({ digit: '5', durationMs: 160 });
    expect(parseDtmfRelay('signal= #\nduration=99999999')).toEqual({ digit: '#', durationMs: 100 });
    expect(parseDtmfRelay('Signal=55\r\n')).toBeUndefined();
    expect(parseDtmfRelay('')).toBeUndefined();
  });
});
