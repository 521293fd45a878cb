/**
 * Dial string grammar (freeswitch-behaviour.md §6.2; FreeSWITCH switch_ivr_originate.c):
 *
 *   dialstring := [ '<' vars '>' ]* branch ( ':_:' branch )*      enterprise: branches ring in parallel
 *   branch     := [ '{' vars '}' ]* serial ( '|' serial )*         failover: next only if previous failed
 *   serial     := leg ( ',' leg )*                                 simultaneous ring, first answer wins
 *   leg        := [ '[' vars ']' ]* endpoint '/' data
 *   vars       := name=value ( ',' name=value )*                   value may be 'single quoted' or use '\,';
 *                 '^^X' as the first characters switches the separator to X ('{^^:a=1:b=2}')
 *
 * Precedence on a leg: `<>` < `{}` < `[]`. (FreeSWITCH installs `{}` after `[]` on the new channel
 * unless local_var_clobber=true, but hands the endpoint a merge where `[]` wins; we use "[] wins"
 * throughout, as §6.2 states.)
 *
 * Lenient extension: a failover segment may itself start with `{...}`; those vars apply to every
 * leg of that segment (FreeSWITCH would fail such a leg with CHAN_NOT_IMPLEMENTED).
 *
 * Scanning is by index; no regex touches the (possibly attacker-influenced) input.
 */
import { StrowgerError } from '../util/errors';

export type DialVars = Record<string, string>;

export interface DialLeg {
  /** `[]` vars of this leg (plus a lenient segment-level `{}`), not merged with branch vars. */
  vars: DialVars;
  /** Endpoint name: text before the first '/', e.g. 'sofia', 'user', 'error', 'loopback'. */
  endpoint: string;
  /** Text after the first '/', e.g. 'internal/1000@127.0.0.1'. */
  data: string;
  /** endpoint/data as written (trimmed). */
  target: string;
}

export interface DialBranch {
  /** `{}` vars of this branch. */
  vars: DialVars;
  /** Failover groups in order; each group's legs ring simultaneously. */
  failover: DialLeg[][];
}

export interface DialString {
  /** `<>` vars: apply to all branches. */
  enterpriseVars: DialVars;
  branches: DialBranch[];
}

/** Upper bound on legs per dial string (FreeSWITCH MAX_PEERS is 128). */
export const MAX_DIAL_LEGS = 128;

const OPENERS: Record<string, string> = { '{': '}', '[': ']', '<': '>' };

/**
 * Index of the bracket closing the one at `open`, honouring nesting of the same bracket kind,
 * single quotes and backslash escapes. -1 when unterminated.
 */
export function findClosingBracket(s: string, open: number): number {
  const o = s[open]!;
  const c = OPENERS[o] ?? (o === '(' ? ')' : undefined);
  if (!c) return -1;
  let depth = 0;
  let quoted = false;
  for (let i = open; i < s.length; i++) {
    const ch = s[i];
    if (ch === '\\') {
      i++;
      continue;
    }
    if (ch === "'") {
      quoted = !quoted;
      continue;
    }
    if (quoted) continue;
    if (ch === o) depth++;
    else if (ch === c) {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/**
 * Split on `sep` (one or more characters) at top level: not inside {}, [], <> blocks.
 * Quotes only count inside blocks (a quote in a SIP URI at top level is literal).
 */
export function splitTopLevel(s: string, sep: string): string[] {
  const out: string[] = [];
  const sep0 = sep.charCodeAt(0);
  let start = 0;
  let i = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c === 0x7b /* { */ || c === 0x5b /* [ */ || c === 0x3c /* < */) {
      const end = findClosingBracket(s, i);
      if (end < 0) throw new StrowgerError('DIAL_STRING_INVALID', `unterminated '${s[i]}' at ${i}`);
      i = end + 1;
      continue;
    }
    if (c === sep0 && (sep.length === 1 || s.startsWith(sep, i))) {
      out.push(s.slice(start, i));
      i += sep.length;
      start = i;
      continue;
    }
    i++;
  }
  out.push(start === 0 ? s : s.slice(start));
  return out;
}

/** Parse the inside of a var block (without the brackets) into `into`. */
export function parseVarList(content: string, into: DialVars = {}): DialVars {
  let sep = ',';
  let body = content;
  if (body.length >= 3 && body[0] === '^' && body[1] === '^') {
    sep = body[2]!;
    body = body.slice(3);
  }
  let quoted = false;
  // The item is built from slices of `body`; only an escaped separator splices one in.
  let item = '';
  let from = 0;
  const sepCode = sep.charCodeAt(0);
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i);
    if (c === 0x5c /* \\ */ && body.charCodeAt(i + 1) === sepCode) {
      item += body.slice(from, i) + sep;
      i++;
      from = i + 1;
      continue;
    }
    if (c === 0x27 /* ' */) quoted = !quoted;
    if (c === sepCode && !quoted) {
      addVar(item + body.slice(from, i), into);
      item = '';
      from = i + 1;
    }
  }
  addVar(item + body.slice(from), into);
  return into;
}

/** `name=value` into `into`; a value in single quotes loses them. No '=' (or no name): ignored. */
function addVar(item: string, into: DialVars): void {
  const eq = item.indexOf('=');
  if (eq <= 0) return;
  const name = item.slice(0, eq).trim();
  let value = item.slice(eq + 1);
  const t = value.trim();
  if (t.length >= 2 && t[0] === "'" && t[t.length - 1] === "'") value = t.slice(1, -1);
  if (name) into[name] = value;
}

/** Consume leading var blocks of kind `open` from `s` (after leading spaces); returns the rest. */
function takeBlocks(s: string, open: string, into: DialVars): string {
  let rest = s.trimStart();
  while (rest[0] === open) {
    const end = findClosingBracket(rest, 0);
    if (end < 0) throw new StrowgerError('DIAL_STRING_INVALID', `unterminated '${open}'`);
    parseVarList(rest.slice(1, end), into);
    rest = rest.slice(end + 1).trimStart();
  }
  return rest;
}

function parseLeg(raw: string, segmentVars: DialVars): DialLeg | undefined {
  const vars: DialVars = { ...segmentVars };
  const rest = takeBlocks(raw, '[', vars).trim();
  if (rest === '') return undefined;
  const slash = rest.indexOf('/');
  const endpoint = slash < 0 ? rest : rest.slice(0, slash);
  const data = slash < 0 ? '' : rest.slice(slash + 1);
  return { vars, endpoint, data, target: rest };
}

export function parseDialString(input: string): DialString {
  const enterpriseVars: DialVars = {};
  const rest = takeBlocks(input, '<', enterpriseVars);
  const branches: DialBranch[] = [];
  let legCount = 0;
  for (const part of splitTopLevel(rest, ':_:')) {
    const vars: DialVars = {};
    const body = takeBlocks(part, '{', vars);
    const failover: DialLeg[][] = [];
    for (const segment of splitTopLevel(body, '|')) {
      const segmentVars: DialVars = {};
      const segBody = takeBlocks(segment, '{', segmentVars);
      const legs: DialLeg[] = [];
      for (const rawLeg of splitTopLevel(segBody, ',')) {
        const leg = parseLeg(rawLeg, segmentVars);
        if (!leg) continue;
        if (++legCount > MAX_DIAL_LEGS) throw new StrowgerError('DIAL_STRING_INVALID', `more than ${MAX_DIAL_LEGS} legs`);
        legs.push(leg);
      }
      if (legs.length) failover.push(legs);
    }
    if (failover.length) branches.push({ vars, failover });
  }
  if (branches.length === 0) throw new StrowgerError('DIAL_STRING_INVALID', 'no origination target');
  return { enterpriseVars, branches };
}

/** Serialise vars back into a `{...}` block (values with separators are quoted). */
export function formatVarBlock(vars: DialVars, open = '{', close = '}'): string {
  const items = Object.entries(vars).map(([k, v]) => (v.includes(',') ? `${k}='${v}'` : `${k}=${v}`));
  return items.length ? `${open}${items.join(',')}${close}` : '';
}
