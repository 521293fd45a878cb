import { describe, expect, it } from 'vitest';
import { allCauses, causeFromNumber, causeToNumber, HANGUP_CAUSES, isQ850, parseCause } from '../../../src/core/causes';

describe('hangup causes (§8.1)', () => {
  it('maps names to numbers and back for every entry', () => {
    for (const name of allCauses()) {
      expect(causeFromNumber(causeToNumber(name))).toBe(name);
    }
  });
  it('numbers are unique', () => {
    const nums = Object.values(HANGUP_CAUSES);
    expect(new Set(nums).size).toBe(nums.length);
  });
  it('has the spec values', () => {
    expect(causeToNumber('NORMAL_CLEARING')).toBe(16);
    expect(causeToNumber('USER_BUSY')).toBe(17);
    expect(causeToNumber('NO_ANSWER')).toBe(19);
    expect(causeToNumber('INCOMPATIBLE_DESTINATION')).toBe(88);
    expect(causeToNumber('ORIGINATOR_CANCEL')).toBe(487);
    expect(causeToNumber('LOSE_RACE')).toBe(702);
    expect(causeToNumber('USER_NOT_REGISTERED')).toBe(806);
    expect(causeToNumber('REJECT_ALL')).toBe(825);
    expect(causeFromNumber(3)).toBe('NO_ROUTE_DESTINATION');
    expect(causeFromNumber(4)).toBeUndefined();
  });
  it('parses names case-insensitively and numbers', () => {
    expect(parseCause('user_busy')).toBe('USER_BUSY');
    expect(parseCause(' Normal_Clearing ')).toBe('NORMAL_CLEARING');
    expect(parseCause('17')).toBe('USER_BUSY');
    expect(parseCause('806')).toBe('USER_NOT_REGISTERED');
    expect(parseCause('1234567')).toBeUndefined();
    expect(parseCause('NOT_A_CAUSE')).toBeUndefined();
    expect(parseCause('')).toBeUndefined();
    expect(parseCause(undefined)).toBeUndefined();
  });
  it('tells Q.850 from FreeSWITCH-specific causes', () => {
    expect(isQ850('USER_BUSY')).toBe(true);
    expect(isQ850('INTERWORKING')).toBe(true);
    expect(isQ850('ORIGINATOR_CANCEL')).toBe(false);
    expect(isQ850('NONE')).toBe(false);
  });
});
