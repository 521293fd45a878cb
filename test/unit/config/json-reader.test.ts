import { describe, expect, it } from 'vitest';
import { parseJsonWithLines, type JsonNode } from '../../../src/config/json-reader';
import { isStrowgerError } from '../../../src/util/errors';

/** Back to a plain JS value, to compare with JSON.parse. */
function plain(n: JsonNode): unknown {
  switch (n.kind) {
    case 'object':
      return Object.fromEntries(n.entries.map((e) => [e.key, plain(e.value)]));
    case 'array':
      return n.items.map(plain);
    case 'null':
      return null;
    default:
      return n.value;
  }
}

const VALID = [
  '{}',
  '[]',
  '"x"',
  '0',
  '-0.5e+10',
  '1E3',
  'true',
  'null',
  '{"a": [1, 2, {"b": null}], "c": "\\u00e9\\n\\t\\"\\\\\\/", "d": false}',
  '\ufeff{"bom": 1}',
  ' \r\n\t[ "a" , { } ] ',
  '{"emoji": "😀", "esc": "\\ud83d\\ude00"}',
];

const INVALID = ['', '{', '{"a" 1}', '{"a": 1,}', '[1,]', "{'a': 1}", '01', '1.', '.5', '-', 'tru', '"\\x"', '"a\nb"', '{"a": 1} x', 'NaN', '[1 2]'];

describe('JSON reader', () => {
  it.each(VALID)('parses %j like JSON.parse', (text) => {
    expect(plain(parseJsonWithLines(text, 'x.json'))).toEqual(JSON.parse(text.replace(/^\ufeff/, '')));
  });

  it.each(INVALID)('rejects %j (JSON.parse does too)', (text) => {
    expect(() => JSON.parse(text)).toThrow();
    let err: unknown;
    try {
      parseJsonWithLines(text, 'x.json');
    } catch (e) {
      err = e;
    }
    expect(isStrowgerError(err, 'CONFIG_INVALID')).toBe(true);
    expect((err as Error).message).toMatch(/^x\.json:\d+:\d+: /);
  });

  it('records the line of every key and value', () => {
    const doc = parseJsonWithLines('{\n  "a": 1,\n\n  "b": [\n    true,\n    {"c": "d"}\n  ]\n}', 'x.json');
    if (doc.kind !== 'object') throw new Error('object expected');
    expect(doc.entries.map((e) => [e.key, e.line])).toEqual([
      ['a', 2],
      ['b', 4],
    ]);
    const b = doc.entries[1]!.value;
    if (b.kind !== 'array') throw new Error('array expected');
    expect(b.items.map((i) => i.line)).toEqual([5, 6]);
  });

  it('keeps number text as written and object key order (including numeric keys)', () => {
    const doc = parseJsonWithLines('{"1001": 5080, "1000": 1.50, "x": 1e2}', 'x.json');
    if (doc.kind !== 'object') throw new Error('object expected');
    expect(doc.entries.map((e) => e.key)).toEqual(['1001', '1000', 'x']);
    expect(doc.entries.map((e) => (e.value.kind === 'number' ? e.value.raw : ''))).toEqual(['5080', '1.50', '1e2']);
  });

  it('bounds nesting depth', () => {
    expect(() => parseJsonWithLines('['.repeat(100) + ']'.repeat(100), 'x.json')).toThrow(/nesting deeper than 64/);
  });
});
