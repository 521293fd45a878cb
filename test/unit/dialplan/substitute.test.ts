/** $N substitution and the DP_MATCH value (src/dialplan/substitute.ts). */
import { describe, expect, it } from 'vitest';
import { captureArrayValue, substituteCaptures } from '../../../src/dialplan';

const m = (...v: (string | undefined)[]) => v;

describe('substituteCaptures', () => {
  it.each([
    ['user/$1@${domain_name}', m('1001', '1001'), 'user/1001@${domain_name}'],
    ['$0|$1|$2', m('ab', 'a', 'b'), 'ab|a|b'],
    ['${1}0', m('x', '7'), '70'],
    ['$10', m('x', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'ten'), 'ten'],
    ['$10', m('x', 'one'), ''],
    ['[$2]', m('x', 'a', undefined), '[]'],
    ['$$1', m('x', '5'), '$5'],
    ['cost $ 5', m('x'), 'cost $ 5'],
    ['end$', m('x'), 'end$'],
    ['${1', m('x', 'a'), '${1'],
    ['${1x}', m('x', 'a'), '${1x}'],
    ['$257', m('x'), ''],
    ['no dollars', m('x'), 'no dollars'],
  ])('%j', (data, match, want) => {
    expect(substituteCaptures(data, match)).toBe(want);
  });

  it('no match: every $N is empty, other text is kept', () => {
    expect(substituteCaptures('a$1b${2}c${var}', null)).toBe('abc${var}');
  });
});

describe('captureArrayValue', () => {
  it('one value stays plain, several become ARRAY::, unset groups are skipped', () => {
    expect(captureArrayValue(m('1001'))).toBe('1001');
    expect(captureArrayValue(m('1001', '1001'))).toBe('ARRAY::1001|:1001');
    expect(captureArrayValue(m('25', '2', '5', undefined))).toBe('ARRAY::25|:2|:5');
    expect(captureArrayValue(m(undefined))).toBeUndefined();
  });
});
