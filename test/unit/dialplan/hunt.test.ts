/**
 * The hunt, table-driven, against BOTH forms of the same dialplan: test/fixtures/dialplan/cases.xml
 * and cases.json (freeswitch-behaviour.md §5.1-5.3). Every case lists the exact queued actions
 * (app + data after $N substitution, before ${var} expansion), or null for "no route".
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { huntDialplan, loadDialplanFiles, type DialplanModel, type HuntOptions } from '../../../src/dialplan';
import { comparableModel, FakeSubject, FIXTURES, WED_1030_UTC } from './helpers';

interface Case {
  name: string;
  context: string;
  dest: string;
  profile?: Record<string, string>;
  vars?: Record<string, string>;
  now?: number;
  opts?: HuntOptions;
  /** Queued actions as "app data"; null = no route. */
  expect: string[] | null;
  extension?: string;
  matched?: string | null;
  planContext?: string;
  /** Channel variables after the hunt (undefined = must be unset). */
  varsAfter?: Record<string, string | undefined>;
  inline?: string[];
}

const UTC: HuntOptions = { defaultTimeZone: { kind: 'iana', name: 'UTC' } };
const at = (y: number, mo: number, d: number, h: number, mi: number, s = 0) => Date.UTC(y, mo - 1, d, h, mi, s);
const rep = <T>(n: number, v: T): T[] => Array.from({ length: n }, () => v);

const CASES: Case[] = [
  // simple match, loop, CDATA expression, text data, first match wins
  { name: 'exact match', context: 'simple', dest: '100', expect: ['log INFO exact'], extension: 'exact', matched: 'exact' },
  { name: 'later extension', context: 'simple', dest: '101', expect: ['log INFO three 101'], matched: 'three-digits' },
  { name: 'loop="3" queues three times', context: 'simple', dest: '102', expect: rep(3, 'log INFO looped'), matched: 'loop' },
  { name: 'action data given as element text', context: 'simple', dest: '103', expect: ['log INFO from text'] },
  { name: '<expression> child (CDATA)', context: 'simple', dest: '<42>', expect: ['log INFO cdata 42'], matched: 'cdata' },
  { name: 'nothing matches -> no route', context: 'simple', dest: '1000', expect: null },

  // captures
  {
    name: '$N, ${N}, missing groups, literals',
    context: 'captures',
    dest: '25',
    expect: ['log x2-5---$-${domain_name}-$2-', 'bridge user/25@${domain_name}'],
    varsAfter: { DP_MATCH: 'ARRAY::25|:2|:5' },
  },
  { name: 'optional group present', context: 'captures', dest: '253', expect: ['log x2-5-3--$-${domain_name}-$2-', 'bridge user/25@${domain_name}'], varsAfter: { DP_MATCH: 'ARRAY::253|:2|:5|:3' } },
  { name: '(?P<name>) and (?:) groups', context: 'captures', dest: '3012', expect: ['log named 3 12'] },

  // anti-actions
  { name: 'action when the condition passes', context: 'anti', dest: '300', expect: ['log match 300'], matched: 'a1' },
  { name: 'anti-action (no substitution) makes the extension match', context: 'anti', dest: '301', expect: ['log anti $1'], matched: 'a1' },

  // break
  { name: 'on-false (default): pass', context: 'breaks', dest: '41', profile: { caller_id_number: '1' }, expect: ['log c1', 'log c2'], matched: 'on-false' },
  { name: 'on-false (default): fail stops the extension', context: 'breaks', dest: '41', profile: { caller_id_number: '2' }, expect: ['log fallback'], matched: 'fallback', extension: 'fallback' },
  { name: 'on-true: pass stops', context: 'breaks', dest: '42', profile: { caller_id_number: '1' }, expect: ['log c1'], matched: 'on-true' },
  { name: 'on-true: fail goes on', context: 'breaks', dest: '42', profile: { caller_id_number: '2' }, expect: ['log c2'], matched: 'on-true' },
  { name: 'always: pass stops', context: 'breaks', dest: '43', profile: { caller_id_number: '1' }, expect: ['log c1'], matched: 'always' },
  { name: 'always: fail stops after anti-actions', context: 'breaks', dest: '43', profile: { caller_id_number: '2' }, expect: ['log a1'], matched: 'always' },
  {
    name: 'never: actions of a non-matching extension stay queued',
    context: 'breaks',
    dest: '44',
    profile: { caller_id_number: '1' },
    expect: ['log c1', 'log fallback'],
    extension: 'never',
    matched: 'fallback',
  },
  { name: 'never: fail goes on to the next condition', context: 'breaks', dest: '44', profile: { caller_id_number: '2' }, expect: ['log c2'], matched: 'never' },

  // continue
  { name: 'continue="true" then a match', context: 'continue', dest: '50', expect: ['set seen_c1=true', 'log c2'], extension: 'c1', matched: 'c2' },
  { name: 'continue="true" then the catch-all', context: 'continue', dest: '51', expect: ['set seen_c1=true', 'log c3'], matched: 'c3' },

  // nested conditions
  { name: 'nested pass', context: 'nested', dest: '61', profile: { caller_id_number: '1' }, expect: ['log outer', 'log inner'], matched: 'plain' },
  { name: 'nested fail fails the extension', context: 'nested', dest: '61', profile: { caller_id_number: '2' }, expect: ['log outer', 'log after'], matched: 'after', extension: 'plain' },
  { name: 'require-nested="false"', context: 'nested', dest: '62', profile: { caller_id_number: '2' }, expect: ['log outer'], matched: 'not-required' },
  { name: 'require-nested="false", nested passes', context: 'nested', dest: '62', profile: { caller_id_number: '1' }, expect: ['log outer', 'log inner'], matched: 'not-required' },
  { name: 'break="never" parent: failed nested goes on to the sibling', context: 'nested', dest: '63', profile: { caller_id_number: '2' }, expect: ['log outer', 'log sibling'], matched: 'never' },
  { name: 'break="never" parent: nested then sibling', context: 'nested', dest: '63', profile: { caller_id_number: '1' }, expect: ['log outer', 'log inner', 'log sibling'], matched: 'never' },
  { name: 'three levels, each with its own captures', context: 'nested', dest: '64', profile: { caller_id_number: '12', caller_id_name: 'Bob' }, expect: ['log L1 4', 'log L2 2', 'log L3 Bob'], matched: 'deep' },
  { name: 'middle level fails', context: 'nested', dest: '64', profile: { caller_id_number: '1' }, expect: ['log L1 4', 'log after'], matched: 'after' },

  // regex all / any / xor
  {
    name: 'regex="all": all pass, $1 from the last capturing child',
    context: 'regex-all',
    dest: '71',
    profile: { caller_id_number: '555' },
    expect: ['log all 555'],
    varsAfter: { DP_REGEX_MATCH_1: 'ARRAY::71|:71', DP_REGEX_MATCH_2: 'ARRAY::555|:555', DP_MATCH: 'ARRAY::555|:555' },
  },
  { name: 'regex="all": second fails', context: 'regex-all', dest: '71', profile: { caller_id_number: 'abc' }, expect: ['log not all $1'], varsAfter: { DP_REGEX_MATCH_1: 'ARRAY::71|:71', DP_REGEX_MATCH_2: undefined } },
  { name: 'regex="all": stops at the first failure', context: 'regex-all', dest: '81', profile: { caller_id_number: '555' }, expect: ['log not all $1'], varsAfter: { DP_REGEX_MATCH_1: undefined, DP_REGEX_MATCH_2: undefined } },
  { name: 'regex="any": second passes', context: 'regex-any', dest: '81', profile: { caller_id_number: '555' }, expect: ['log any 555'] },
  { name: 'regex="any": stops at the first pass', context: 'regex-any', dest: '71', profile: { caller_id_number: '555' }, expect: ['log any 71'], varsAfter: { DP_REGEX_MATCH_2: undefined } },
  { name: 'regex="any": none pass', context: 'regex-any', dest: '81', profile: { caller_id_number: 'abc' }, expect: ['log not any'] },
  { name: 'regex="xor": exactly one', context: 'regex-xor', dest: '71', profile: { caller_id_number: 'abc' }, expect: ['log xor'] },
  { name: 'regex="xor": both', context: 'regex-xor', dest: '71', profile: { caller_id_number: '555' }, expect: ['log not xor'] },
  { name: 'regex="xor": none', context: 'regex-xor', dest: '81', profile: { caller_id_number: 'abc' }, expect: ['log not xor'] },

  // time conditions (injected clock; default zone UTC)
  { name: 'field and hour both pass', context: 'time', dest: '90', now: WED_1030_UTC, opts: UTC, expect: ["log ten o'clock"], matched: 'both' },
  { name: 'field passes, hour fails -> no match (both required)', context: 'time', dest: '90', now: at(2026, 3, 4, 11, 30), opts: UTC, expect: ['log open'], matched: 'business' },
  { name: 'weekday inside business hours', context: 'time', dest: '1', now: WED_1030_UTC, opts: UTC, expect: ['log open'] },
  { name: 'Saturday', context: 'time', dest: '1', now: at(2026, 3, 7, 10, 30), opts: UTC, expect: ['log closed'] },
  { name: 'end of time-of-day is inclusive', context: 'time', dest: '1', now: at(2026, 3, 4, 17, 0, 0), opts: UTC, expect: ['log open'] },
  { name: 'one second after', context: 'time', dest: '1', now: at(2026, 3, 4, 17, 0, 1), opts: UTC, expect: ['log closed'] },
  { name: 'before opening', context: 'time', dest: '1', now: at(2026, 3, 4, 7, 59, 59), opts: UTC, expect: ['log closed'] },
  { name: 'tod_tz_offset=-9 moves 10:30 UTC to 01:30', context: 'time', dest: '1', now: WED_1030_UTC, opts: UTC, vars: { tod_tz_offset: '-9' }, expect: ['log closed'] },
  { name: 'timezone=Asia/Tokyo: 02:00 UTC is 11:00', context: 'time', dest: '1', now: at(2026, 3, 4, 2, 0), opts: UTC, vars: { timezone: 'Asia/Tokyo' }, expect: ['log open'] },
  { name: 'timezone=Asia/Tokyo: Tuesday 23:30 UTC is Wednesday 08:30', context: 'time', dest: '1', now: at(2026, 3, 3, 23, 30), opts: UTC, vars: { timezone: 'Asia/Tokyo' }, expect: ['log open'] },
  { name: 'same instant in UTC is closed', context: 'time', dest: '1', now: at(2026, 3, 3, 23, 30), opts: UTC, expect: ['log closed'] },
  { name: 'default zone from the options', context: 'time', dest: '1', now: at(2026, 3, 3, 23, 30), opts: { defaultTimeZone: { kind: 'offset', hours: 9 } }, expect: ['log open'] },

  // inline actions
  {
    name: 'inline set is seen by later conditions; a queued set is not',
    context: 'inline',
    dest: '1',
    profile: { caller_id_number: '42' },
    expect: ['set queued=1', 'log saw foo 42'],
    inline: ['set foo=bar-42'],
    varsAfter: { foo: 'bar-42', queued: undefined },
    extension: 'setter',
    matched: 'sees-inline',
  },
  { name: 'inline-only match is a route with an empty plan', context: 'inline-only', dest: '80', expect: [], inline: ['set x=1'], extension: 'only-inline', varsAfter: { x: '1' } },
  { name: 'inline-only context, no match', context: 'inline-only', dest: '81', expect: null, inline: [] },

  // fields
  { name: 'field="${var}"', context: 'fields', dest: 'x', vars: { sip_user_agent: 'Yealink SIP-T46S' }, expect: ['log yealink'], matched: 'user-agent' },
  { name: 'expression with ${var}', context: 'fields', dest: '9555', vars: { dial_prefix: '9' }, expect: ['log prefixed 555'], matched: 'prefix' },
  { name: 'expression with an unset ${var}', context: 'fields', dest: '555', expect: ['log prefixed 555'] },
  { name: 'caller-profile fields; unknown field is ""', context: 'fields', dest: 'x', expect: ['log profile fields'], matched: 'profile' },
  { name: 'caller-profile field mismatch', context: 'fields', dest: 'x', profile: { network_addr: '10.0.0.1' }, expect: null },

  // auto_hunt
  { name: 'without auto_hunt: document order', context: 'autohunt', dest: '555', expect: ['log first'] },
  { name: 'auto_hunt=true starts at the extension named like the destination', context: 'autohunt', dest: '555', vars: { auto_hunt: 'true' }, expect: ['log named 555'] },
  { name: 'auto_hunt=true, no such extension name: from the top', context: 'autohunt', dest: '556', vars: { auto_hunt: 'true' }, expect: ['log first'] },

  // context lookup
  { name: 'missing context -> "global"', context: 'nosuch', dest: '123', expect: ['log global 123'], planContext: 'global' },
  { name: 'attacker-length subject never matches', context: 'global', dest: '1'.repeat(2000), expect: null },
  { name: 'maxFieldLength is configurable', context: 'global', dest: '1'.repeat(2000), opts: { maxFieldLength: 4096 }, expect: [`log global ${'1'.repeat(2000)}`] },
];

const FORMS: [string, () => DialplanModel][] = [
  ['XML', () => loadDialplanFiles([resolve(FIXTURES, 'cases.xml')])],
  ['JSON', () => loadDialplanFiles([resolve(FIXTURES, 'cases.json')])],
];

describe('fixture forms', () => {
  it('cases.xml and cases.json load into the same model, without warnings', () => {
    const [xml, json] = FORMS.map(([, load]) => load());
    expect(xml!.warnings).toEqual([]);
    expect(json!.warnings).toEqual([]);
    expect(comparableModel(json!)).toEqual(comparableModel(xml!));
    expect(xml!.contexts.size).toBe(15);
  });
});

for (const [form, load] of FORMS) {
  describe(`hunt (${form})`, () => {
    const model = load();
    it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_n, c) => {
      const s = new FakeSubject({ profile: { context: c.context, destination_number: c.dest, ...c.profile }, vars: c.vars, now: c.now });
      const plan = await huntDialplan(model, s, c.opts);
      if (c.expect === null) {
        expect(plan).toBeUndefined();
      } else {
        expect(plan).toBeDefined();
        expect(plan!.actions.map((a) => `${a.app} ${a.data}`.trimEnd())).toEqual(c.expect);
        if (c.extension !== undefined) expect(plan!.extension).toBe(c.extension);
        if (c.matched !== undefined) expect(plan!.matched ?? null).toBe(c.matched);
        expect(plan!.context).toBe(c.planContext ?? c.context);
      }
      if (c.inline) expect(s.inline.map((a) => `${a.app} ${a.data}`)).toEqual(c.inline);
      for (const [k, v] of Object.entries(c.varsAfter ?? {})) expect(s.vars.get(k), k).toBe(v);
    });
  });
}

describe('hunt lifecycle', () => {
  const model = loadDialplanFiles([resolve(FIXTURES, 'cases.xml')]);

  it('stops and yields no plan when an inline action ends the call', async () => {
    const s = new FakeSubject({ profile: { context: 'inline', destination_number: '1' } });
    let evaluatedAfter = 0;
    s.executeInline = async () => {
      s.up = false;
    };
    const expand = s.expand.bind(s);
    s.expand = (t) => {
      evaluatedAfter++;
      return expand(t);
    };
    expect(await huntDialplan(model, s)).toBeUndefined();
    expect(evaluatedAfter).toBe(0); // no later condition was evaluated
  });

  it('is re-entrant: concurrent hunts on one model do not share state', async () => {
    const subjects = ['41', '42', '43', '44'].flatMap((dest) =>
      ['1', '2'].map((cid) => new FakeSubject({ profile: { context: 'breaks', destination_number: dest, caller_id_number: cid } })),
    );
    const plans = await Promise.all(subjects.map((s) => huntDialplan(model, s)));
    const sequential = [];
    for (const s of subjects) sequential.push(await huntDialplan(model, new FakeSubject({ profile: { ...s.profile } })));
    expect(plans).toEqual(sequential);
    expect(new Set(plans.map((p) => JSON.stringify(p?.actions))).size).toBeGreaterThan(4);
  });
});
