/**
 * The real-client harness proven without Strowger: two baresip instances call each other peer to
 * peer on 127.0.0.1 with PCMU, G722 and opus. 1000 plays 440 Hz, 1001 plays 1000 Hz; each must
 * hear the other's tone (±5 Hz, ≥ 80% of frames, level ±6 dB) and not its own, and the log must
 * show the codec that was asked for. If this fails, the through-server tests cannot be trusted.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Baresip } from '../support/baresip';
import { ENCODER_LINE, Scratch, heardTone, placeCall, startParty, type CodecName } from '../support/call-scenario';

const scratch = new Scratch();
let parties: Baresip[] = [];

afterEach(async () => {
  await Promise.allSettled(parties.map((p) => p.close()));
  parties = [];
});
afterAll(() => scratch.cleanup());

describe('baresip <-> baresip directly (harness self-test)', () => {
  for (const codec of ['PCMU', 'G722', 'opus'] as CodecName[]) {
    it(`${codec}: each side hears the other's tone`, async () => {
      const a = await startParty(scratch, { user: '1000', codecs: [codec], toneHz: 440, timeLimitSec: 25 });
      parties.push(a);
      const b = await startParty(scratch, { user: '1001', codecs: [codec], toneHz: 1000, timeLimitSec: 25 });
      parties.push(b);

      const { callerHeard, calleeHeard } = await placeCall(a, `sip:1001@127.0.0.1:${b.sipPort}`, b);

      expect(a.audioCodecs('encoder').join()).toContain(ENCODER_LINE[codec]);
      expect(b.audioCodecs('encoder').join()).toContain(ENCODER_LINE[codec]);

      const aHears = heardTone(callerHeard, 1000);
      const bHears = heardTone(calleeHeard!, 440);
      expect(aHears.pass, `1000 hears 1001: ${aHears.summary}`).toBe(true);
      expect(bHears.pass, `1001 hears 1000: ${bHears.summary}`).toBe(true);
      // Neither hears itself: the analysis tells the two directions apart.
      expect(heardTone(callerHeard, 440).pass).toBe(false);
      expect(heardTone(calleeHeard!, 1000).pass).toBe(false);
    }, 30_000);
  }
});
