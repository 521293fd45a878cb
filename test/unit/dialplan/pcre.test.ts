/** PCRE -> JavaScript RegExp translation (src/dialplan/pcre.ts), behaviour checked by matching. */
import { describe, expect, it } from 'vitest';
import { compilePcre, PatternCache, PatternError, translatePcre } from '../../../src/dialplan';

describe('translatePcre', () => {
  it.each([
    ['^(10[01][0-9])$', '^(10[01][0-9])$', ''],
    ['/^abc$/i', '^abc$', 'i'],
    ['/a.b/is', 'a.b', 'is'],
    ['(?i)^abc', '^abc', 'i'],
    ['(?is)x', 'x', 'is'],
    ['(?P<ext>\\d+)', '(?<ext>\\d+)', ''],
    ["(?'ext'\\d+)", '(?<ext>\\d+)', ''],
    ['(?P<a>x)(?P=a)', '(?<a>x)\\k<a>', ''],
    ['(x)\\g1\\g{1}', '(x)\\1\\1', ''],
    ['(?<n>x)\\k{n}', '(?<n>x)\\k<n>', ''],
    ['a(?#comment)b', 'ab', ''],
    ['[[:digit:]]+', '[0-9]+', ''],
    ['[^[:alpha:]_]', '[^a-zA-Z_]', ''],
    ['[]a]', '[\\]a]', ''],
    ['\\Q1+1\\E=2', '1\\+1=2', ''],
    ['a{2,3}b{x', 'a{2,3}b\\{x', ''],
    ['\\x{41}', '\\u0041', ''],
    ['a*?b+?', 'a*?b+?', ''],
  ])('%s -> /%s/%s', (input, source, flags) => {
    expect(translatePcre(input)).toEqual({ source, flags });
  });

  it.each([
    ['(?>a+)b', 'atomic'],
    ['a++', 'possessive'],
    ['a*+', 'possessive'],
    ['a?+', 'possessive'],
    ['a{2}+', 'possessive'],
    ['(?R)', 'recursion'],
    ['(a)(?1)', 'recursion'],
    ['(?(1)a|b)', 'conditional'],
    ['(?|a|b)', 'branch reset'],
    ['a(?i)b', 'inline option'],
    ['(?x) a b', 'x (extended)'],
    ['\\p{L}', '\\p'],
    ['a\\Kb', '\\K'],
    ['[[:nosuch:]]', 'nosuch'],
    ['(abc', 'invalid regular expression'],
    ['[abc', 'unterminated character class'],
  ])('refuses %s (%s)', (input, what) => {
    expect(() => compilePcre(input)).toThrow(PatternError);
    expect(() => compilePcre(input)).toThrow(what);
  });
});

describe('compiled behaviour', () => {
  it.each([
    ['\\A1000\\z', '1000', true],
    ['\\A1000\\z', '1000\n', false],
    ['^1000\\Z', '1000\n', true],
    ['^1000\\Z', '1000\nx', false],
    ['/^alice$/i', 'ALICE', true],
    ['[[:xdigit:]]{4}', 'beef', true],
    ['[[:space:]]', '\t', true],
    ['[[:punct:]]', '*', true],
    ['[[:punct:]]', 'a', false],
    ['a\\hb', 'a b', true],
    ['a\\hb', 'a\nb', false],
    ['x\\ey', 'x\x1by', true],
    ['\\Q+1.\\E$', 'call +1.', true],
    ['\\Q+1.\\E$', 'call +12', false],
    ['^(?P<cc>\\d{1,3})(?P=cc)$', '4949', true],
    ['^\\+?1?(\\d{10})$', '+15551234567', true],
  ])('/%s/ on %j -> %s', (p, subject, want) => {
    expect(compilePcre(p).test(subject)).toBe(want);
  });

  it('named groups keep their numbers for $N', () => {
    const m = compilePcre('^(?P<pre>3)(?:0)(\\d+)$').exec('3012');
    expect([m?.[1], m?.[2], m?.groups?.pre]).toEqual(['3', '12', '3']);
  });
});

describe('PatternCache', () => {
  it('caches compiled patterns and failures, and stays bounded', () => {
    const c = new PatternCache(3);
    const a = c.get('^a$');
    expect(c.get('^a$')).toBe(a);
    const bad = c.get('(?>x)');
    expect(bad).toBeInstanceOf(PatternError);
    expect(c.get('(?>x)')).toBe(bad);
    c.get('^b$');
    c.get('^c$');
    expect(c.size).toBe(3);
    expect(c.get('^a$')).not.toBe(a); // evicted (oldest) and recompiled
  });
});
