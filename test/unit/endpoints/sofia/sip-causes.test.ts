import { describe, expect, it } from 'vitest';
import { causeToSipStatus, q850FromReason, reasonHeaderFor, sipStatusToCause } from '../../../../src/endpoints/sofia/sip-causes';

describe('cause → SIP (freeswitch-behaviour.md §8.2)', () => {
  it.each([
    ['NO_ROUTE_DESTINATION', 404],
    ['USER_BUSY', 486],
    ['NO_USER_RESPONSE', 408],
    ['NO_ANSWER', 480],
    ['CALL_REJECTED', 603],
    ['INCOMPATIBLE_DESTINATION', 488],
    ['ORIGINATOR_CANCEL', 487],
    ['EXCHANGE_ROUTING_ERROR', 483],
    ['NORMAL_TEMPORARY_FAILURE', 503],
    ['RECOVERY_ON_TIMER_EXPIRE', 504],
    ['UNWANTED', 607],
  ] as const)('%s → %i', (cause, status) => {
    expect(causeToSipStatus(cause)).toBe(status);
  });

  it('defaults to 480 for unlisted causes', () => {
    expect(causeToSipStatus('NORMAL_CLEARING')).toBe(480);
    expect(causeToSipStatus('USER_NOT_REGISTERED')).toBe(480);
    expect(causeToSipStatus('MEDIA_TIMEOUT')).toBe(480);
  });
});

describe('SIP → cause (§8.3)', () => {
  it.each([
    [486, 'USER_BUSY'],
    [600, 'USER_BUSY'],
    [404, 'UNALLOCATED_NUMBER'],
    [408, 'RECOVERY_ON_TIMER_EXPIRE'],
    [480, 'NO_USER_RESPONSE'],
    [487, 'ORIGINATOR_CANCEL'],
    [488, 'INCOMPATIBLE_DESTINATION'],
    [503, 'NORMAL_TEMPORARY_FAILURE'],
    [403, 'CALL_REJECTED'],
    [405, 'SERVICE_UNAVAILABLE'],
    [699, 'NORMAL_UNSPECIFIED'],
  ] as const)('%i → %s', (status, cause) => {
    expect(sipStatusToCause(status)).toBe(cause);
  });

  it('a Reason: Q.850 header wins over the status', () => {
    expect(sipStatusToCause(480, 'Q.850;cause=17;text="USER_BUSY"')).toBe('USER_BUSY');
    expect(sipStatusToCause(480, 'SIP;cause=480, Q.850;cause=19')).toBe('NO_ANSWER');
    expect(sipStatusToCause(486, 'Q.850;cause=abc')).toBe('USER_BUSY');
    expect(sipStatusToCause(486, 'Q.850;cause=99999')).toBe('USER_BUSY');
  });

  it('round-trips the table where both directions name the same pair', () => {
    for (const cause of ['USER_BUSY', 'INCOMPATIBLE_DESTINATION', 'ORIGINATOR_CANCEL', 'UNWANTED'] as const) {
      expect(sipStatusToCause(causeToSipStatus(cause))).toBe(cause);
    }
  });
});

describe('Reason header', () => {
  it('uses Q.850 for causes 1–127 and SIP for FreeSWITCH causes', () => {
    expect(reasonHeaderFor('NORMAL_CLEARING')).toBe('Q.850;cause=16;text="NORMAL_CLEARING"');
    expect(reasonHeaderFor('INCOMPATIBLE_DESTINATION')).toBe('Q.850;cause=88;text="INCOMPATIBLE_DESTINATION"');
    expect(reasonHeaderFor('USER_NOT_REGISTERED')).toBe('SIP;cause=806;text="USER_NOT_REGISTERED"');
    expect(reasonHeaderFor('LOSE_RACE')).toBe('SIP;cause=200;text="Call completed elsewhere"');
  });

  it('parses quoted text containing separators', () => {
    expect(q850FromReason('Q.850;text="a;b,c";cause=16')).toBe('NORMAL_CLEARING');
  });
});
