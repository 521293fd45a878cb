/**
 * §4.2 hold/unhold, RFC 3264 §8.4 and RFC 6337: detection in re-offers, answer directions.
 */
import { describe, expect, it } from 'vitest';
import {
  classifyReinvite,
  holdOfferDirection,
  isSameSdpVersion,
  negotiate,
  parseSdp,
  remoteHoldInfo,
  type Direction,
} from '../../../src/sdp';
import { LOCAL, PCMU, sdpText } from './helpers';

function offer(opts: { conn?: string; media?: string[]; session?: string[]; version?: string } = {}) {
  return parseSdp(
    sdpText([
      'v=0',
      `o=caller 1001 ${opts.version ?? '1001'} IN IP4 192.0.2.10`,
      's=-',
      `c=IN IP4 ${opts.conn ?? '192.0.2.10'}`,
      't=0 0',
      ...(opts.session ?? []),
      'm=audio 40000 RTP/AVP 0 101',
      'a=rtpmap:101 telephone-event/8000',
      ...(opts.media ?? []),
    ]),
  );
}

describe('hold detection in a remote offer', () => {
  const cases: Array<[string, Parameters<typeof offer>[0], boolean, string | undefined, Direction]> = [
    ['a=sendonly', { media: ['a=sendonly'] }, true, 'sendonly', 'sendonly'],
    ['a=inactive', { media: ['a=inactive'] }, true, 'inactive', 'inactive'],
    ['session-level a=sendonly', { session: ['a=sendonly'] }, true, 'sendonly', 'sendonly'],
    ['c=IN IP4 0.0.0.0 (RFC 2543)', { conn: '0.0.0.0' }, true, 'null-address', 'sendonly'],
    ['0.0.0.0 with a=recvonly', { conn: '0.0.0.0', media: ['a=recvonly'] }, true, 'null-address', 'inactive'],
    ['0.0.0.0 with a=inactive', { conn: '0.0.0.0', media: ['a=inactive'] }, true, 'inactive', 'inactive'],
    ['a=sendrecv', { media: ['a=sendrecv'] }, false, undefined, 'sendrecv'],
    ['no direction attribute', {}, false, undefined, 'sendrecv'],
    ['a=recvonly (not a hold)', { media: ['a=recvonly'] }, false, undefined, 'recvonly'],
    ['media a=sendrecv overrides session a=sendonly', { session: ['a=sendonly'], media: ['a=sendrecv'] }, false, undefined, 'sendrecv'],
  ];
  for (const [name, o, held, kind, dir] of cases) {
    it(`${name} ⇒ ${held ? `hold (${kind})` : 'not held'}`, () => {
      const info = remoteHoldInfo(offer(o));
      expect(info.held).toBe(held);
      expect(info.kind).toBe(kind);
      expect(info.direction).toBe(dir);
      expect(info.mediaIndex).toBe(0);
    });
  }
});

describe('answer direction mirrors the offer (RFC 3264 §6.1)', () => {
  const cases: Array<[string, Parameters<typeof offer>[0], Direction, Direction | undefined]> = [
    ['sendonly ⇒ recvonly', { media: ['a=sendonly'] }, 'recvonly', undefined],
    ['inactive ⇒ inactive (not recvonly, #323)', { media: ['a=inactive'] }, 'inactive', undefined],
    ['recvonly ⇒ sendonly', { media: ['a=recvonly'] }, 'sendonly', undefined],
    ['sendrecv ⇒ sendrecv', {}, 'sendrecv', undefined],
    ['0.0.0.0 ⇒ recvonly', { conn: '0.0.0.0' }, 'recvonly', undefined],
    ['sendrecv while we hold them (local sendonly) ⇒ sendonly', {}, 'sendonly', 'sendonly'],
    ['sendonly while we hold them ⇒ inactive', { media: ['a=sendonly'] }, 'inactive', 'sendonly'],
  ];
  for (const [name, o, want, local] of cases) {
    it(name, () => {
      const r = negotiate({ offer: offer(o), localPrefs: [PCMU], policy: 'generous', ...LOCAL, ...(local ? { localDirection: local } : {}) });
      if (!r.ok) throw new Error(r.detail);
      expect(r.answer.media[0]!.direction).toBe(want);
      expect(r.audio.direction).toBe(want);
      // we always answer with our real address, never 0.0.0.0
      expect(r.answer.connection?.address).toBe(LOCAL.localIp);
    });
  }
});

describe('re-INVITE classification', () => {
  it('sendonly re-offer while active ⇒ hold; sendrecv while held ⇒ unhold; same state ⇒ unchanged', () => {
    expect(classifyReinvite(false, offer({ media: ['a=sendonly'] })).kind).toBe('hold');
    expect(classifyReinvite(false, offer({ conn: '0.0.0.0' })).kind).toBe('hold');
    expect(classifyReinvite(true, offer({ media: ['a=sendrecv'] })).kind).toBe('unhold');
    expect(classifyReinvite(true, offer()).kind).toBe('unhold');
    expect(classifyReinvite(true, offer({ media: ['a=inactive'] })).kind).toBe('unchanged');
    expect(classifyReinvite(false, offer()).kind).toBe('unchanged');
  });

  it('re-INVITE without SDP ⇒ we must offer; the held state is not silently kept (#1091, RFC 6337 §5.3)', () => {
    expect(classifyReinvite(true, undefined)).toEqual({ kind: 'offer-required' });
    expect(classifyReinvite(false, undefined)).toEqual({ kind: 'offer-required' });
  });

  it('RFC 3264 §8: same o= version means unchanged; a bumped version means a new offer', () => {
    const a = offer();
    expect(isSameSdpVersion(a, offer())).toBe(true);
    expect(isSameSdpVersion(a, offer({ version: '1002' }))).toBe(false);
    expect(isSameSdpVersion(undefined, a)).toBe(false);
  });

  it('our own hold re-offer uses sendonly, or inactive with sofia_hold_inactive', () => {
    expect(holdOfferDirection()).toBe('sendonly');
    expect(holdOfferDirection(true)).toBe('inactive');
  });

  it('no audio stream ⇒ not held, mediaIndex -1', () => {
    const s = parseSdp(sdpText(['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 192.0.2.1', 't=0 0', 'm=video 5000 RTP/AVP 31', 'a=sendonly']));
    expect(remoteHoldInfo(s)).toEqual({ held: false, direction: 'sendrecv', mediaIndex: -1 });
  });
});
