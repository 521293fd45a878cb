/** Test helpers: SDP text from lines, local preference shorthands. */
import type { LocalCodecPref } from '../../../src/sdp';

export function sdpText(lines: string[]): string {
  return lines.join('\r\n') + '\r\n';
}

/** An offer from 192.0.2.10 with one audio m= line. */
export function audioOffer(mLine: string, attrs: string[] = [], session: string[] = []): string {
  return sdpText([
    'v=0',
    'o=caller 1001 1001 IN IP4 192.0.2.10',
    's=-',
    'c=IN IP4 192.0.2.10',
    't=0 0',
    ...session,
    mLine,
    ...attrs,
  ]);
}

export const PCMU: LocalCodecPref = { name: 'PCMU', clockRate: 8000, ptime: 20 };
export const PCMA: LocalCodecPref = { name: 'PCMA', clockRate: 8000, ptime: 20 };
export const G722: LocalCodecPref = { name: 'G722', clockRate: 8000, ptime: 20 };
export const OPUS: LocalCodecPref = { name: 'opus', clockRate: 48000, ptime: 20, channels: 2 };

export function at(p: LocalCodecPref, ptime: number): LocalCodecPref {
  return { ...p, ptime };
}

export const LOCAL = { localIp: '203.0.113.5', localPort: 30000, origin: { username: 'Strowger', sessionId: '42', sessionVersion: '42' } };
