/**
 * Typed `<param name= value=>` handling shared by profiles, gateways, switch.conf and
 * event_socket.conf. Every param must be known: an unknown name is an error with a "did you mean"
 * hint, a bad value is an error naming the param, and all errors of a file are collected.
 * Names are matched case-insensitively, as FreeSWITCH does (strcasecmp).
 */
import { attr, type ConfigProblems } from './problems';
import type { ConfigNode } from './types';

/** Thrown by a param parser; becomes `file:line: param "x": <message>`. */
export class ParamValueError extends Error {}

export interface ParamContext {
  node: ConfigNode;
  warn(message: string): void;
}

export interface ParamSpec<T> {
  apply(target: T, value: string, ctx: ParamContext): void;
  /** Values accumulate (rtp-ip, apply-inbound-acl); otherwise a repeat overrides with a warning. */
  repeatable?: boolean;
  /** Logged when used, e.g. rtp-timeout-sec. */
  deprecated?: string;
}

export type ParamSchema<T> = Record<string, ParamSpec<T>>;

// FreeSWITCH switch_true()/switch_false() vocabularies.
const TRUE_WORDS = new Set(['yes', 'on', 'true', 't', 'enabled', 'active', 'allow', '1']);
const FALSE_WORDS = new Set(['no', 'off', 'false', 'f', 'disabled', 'inactive', 'disallow', '0']);

export function parseBool(value: string): boolean {
  const v = value.trim().toLowerCase();
  if (TRUE_WORDS.has(v)) return true;
  if (FALSE_WORDS.has(v)) return false;
  throw new ParamValueError(`"${value}" is not a boolean (true/false, yes/no, on/off, 1/0)`);
}

function isDigits(s: string): boolean {
  if (s.length === 0 || s.length > 15) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

export function parseInteger(value: string, min: number, max: number): number {
  const v = value.trim();
  const neg = v.startsWith('-');
  const digits = neg ? v.slice(1) : v;
  if (!isDigits(digits)) throw new ParamValueError(`"${value}" is not an integer`);
  const n = neg ? -Number(digits) : Number(digits);
  if (n < min || n > max) throw new ParamValueError(`${n} is out of range (${min}-${max})`);
  return n;
}

export function parsePort(value: string, allowAuto: boolean): number {
  const v = value.trim().toLowerCase();
  if (allowAuto && v === 'auto') return 0;
  if (!isDigits(v)) throw new ParamValueError(`"${value}" is not a port number (1-65535${allowAuto ? ' or "auto"' : ''})`);
  const n = Number(v);
  if (n > 65535 || (n === 0 && !allowAuto)) throw new ParamValueError(`port ${n} is out of range (1-65535${allowAuto ? ', 0 or "auto" = any free port' : ''})`);
  return n;
}

export function parseEnum<E extends string>(value: string, allowed: readonly E[]): E {
  const v = value.trim().toLowerCase();
  const hit = allowed.find((a) => a.toLowerCase() === v);
  if (hit === undefined) throw new ParamValueError(`"${value}" is not one of ${allowed.join(', ')}`);
  return hit;
}

// Small builders so schemas read like tables.
export function bool<T>(set: (t: T, v: boolean) => void): ParamSpec<T> {
  return { apply: (t, v) => set(t, parseBool(v)) };
}
export function int<T>(min: number, max: number, set: (t: T, v: number) => void): ParamSpec<T> {
  return { apply: (t, v) => set(t, parseInteger(v, min, max)) };
}
export function oneOf<T, E extends string>(allowed: readonly E[], set: (t: T, v: E) => void): ParamSpec<T> {
  return { apply: (t, v) => set(t, parseEnum(v, allowed)) };
}
/** A string; empty means "unset" (passes undefined) unless `allowEmpty`. */
export function str<T>(set: (t: T, v: string | undefined) => void, allowEmpty = false): ParamSpec<T> {
  return { apply: (t, v) => set(t, v === '' && !allowEmpty ? undefined : v) };
}
export function custom<T>(apply: ParamSpec<T>['apply'], extra: Omit<ParamSpec<T>, 'apply'> = {}): ParamSpec<T> {
  return { apply, ...extra };
}

/** Levenshtein distance, bounded: stops early past `limit`. Small inputs only (param names). */
export function editDistance(a: string, b: string, limit = 3): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      cur.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > limit) return limit + 1;
    prev = cur;
  }
  return prev[b.length]!;
}

export function didYouMean(name: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  const limit = name.length <= 4 ? 1 : name.length <= 8 ? 2 : 3;
  for (const k of known) {
    const d = editDistance(name, k, limit);
    if (d <= limit && d < bestD) {
      best = k;
      bestD = d;
    }
  }
  return best;
}

export interface ApplyParamsOptions {
  /** What the params belong to, for messages: 'profile "internal"'. */
  owner: string;
  /** Child element names accepted inside the container (default: 'param'). */
  elementNames?: readonly string[];
}

/**
 * Applies every `<param>` child of `container` to `target`. Errors and warnings go to `problems`
 * with the param's own file and line; nothing throws, so all mistakes of a file are reported.
 */
export function applyParams<T>(
  target: T,
  container: ConfigNode,
  schema: ParamSchema<T>,
  problems: ConfigProblems,
  opts: ApplyParamsOptions,
): void {
  const accepted = opts.elementNames ?? ['param'];
  const seen = new Map<string, ConfigNode>();
  for (const node of container.children) {
    if (!accepted.includes(node.name)) {
      problems.error(node, `unexpected <${node.name}> in <${container.name}> of ${opts.owner} (expected <${accepted[0]}>)`);
      continue;
    }
    const rawName = attr(node, 'name');
    if (rawName === undefined || rawName.trim() === '') {
      problems.error(node, `<${node.name}> without a name in ${opts.owner}`);
      continue;
    }
    const name = rawName.trim().toLowerCase();
    const spec = schema[name];
    if (!spec) {
      const hint = didYouMean(name, Object.keys(schema));
      problems.error(node, `unknown param "${rawName}"${hint ? ` (did you mean "${hint}"?)` : ''} in ${opts.owner}`);
      continue;
    }
    const value = attr(node, 'value');
    if (value === undefined) {
      problems.error(node, `param "${rawName}" has no value attribute`);
      continue;
    }
    const prev = seen.get(name);
    if (prev && !spec.repeatable) {
      problems.warn(node, `param "${rawName}" repeated (first at line ${prev.line}); the last value wins`);
    }
    seen.set(name, node);
    if (spec.deprecated) problems.warn(node, `param "${rawName}" is deprecated: ${spec.deprecated}`);
    try {
      spec.apply(target, value, { node, warn: (m) => problems.warn(node, `param "${rawName}": ${m}`) });
    } catch (e) {
      if (e instanceof ParamValueError) problems.error(node, `param "${rawName}": ${e.message}`);
      else throw e;
    }
  }
}
