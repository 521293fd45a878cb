/**
 * The dialplan model (freeswitch-behaviour.md §5.1-5.2). XML (`<context><extension><condition>`)
 * and the JSON forms (conf/README.md mapping, §5.5 mirror) both load into this one shape, so one
 * set of tests covers both (architecture.md habit 13).
 *
 *   DialplanModel
 *     contexts: name -> ContextDef
 *       extensions[]: ExtensionDef { name, continue }
 *         conditions[]: ConditionDef
 *           field / expression  or  regexMode + regexes[]   (+ time attributes)
 *           breakMode, requireNested
 *           actions[] / antiActions[]: ActionDef { app, data, inline, loop }
 *           conditions[]: nested ConditionDef (evaluated only when the parent passed)
 */
import type { TimeSpec } from './time-match';

export type BreakMode = 'on-false' | 'on-true' | 'always' | 'never';
export type RegexMode = 'all' | 'any' | 'xor';

/** Where a definition came from, for "file:line" in logs. */
export interface SourceRef {
  file: string;
  line: number;
}

/** A compiled expression: the raw text, plus the RegExp when it can be compiled at load time. */
export interface ExpressionDef {
  /** As written (after $${global} preprocessing). May contain ${var} to expand while hunting. */
  source: string;
  /** Compiled once at load when variable expansion cannot change `source` (see isStaticExpression). */
  compiled?: RegExp;
}

export interface ActionDef {
  app: string;
  /** Raw data: `$N` substituted while hunting; `${var}` left for execution (or inline expansion). */
  data: string;
  inline: boolean;
  /** Times the action is queued (FreeSWITCH `loop`, default 1). */
  loop: number;
  source: SourceRef;
}

/** One `<regex field= expression=/>` child of a `regex="all|any|xor"` condition. */
export interface RegexDef {
  field?: string;
  expression: ExpressionDef;
  time?: TimeSpec;
  source: SourceRef;
}

export interface ConditionDef {
  field?: string;
  expression: ExpressionDef;
  /** Set when the condition has `regex="..."`: the `<regex>` children decide instead of field. */
  regexMode?: RegexMode;
  regexes: RegexDef[];
  time?: TimeSpec;
  breakMode: BreakMode;
  /** `require-nested` (default true): a failed nested group fails this condition's extension. */
  requireNested: boolean;
  actions: ActionDef[];
  antiActions: ActionDef[];
  conditions: ConditionDef[];
  source: SourceRef;
}

export interface ExtensionDef {
  /** `name` attribute; FreeSWITCH reports an unnamed extension as "_anon_". */
  name?: string;
  continue: boolean;
  conditions: ConditionDef[];
  source: SourceRef;
}

export interface ContextDef {
  name: string;
  extensions: ExtensionDef[];
  /** First extension index by name (auto_hunt). */
  byName: Map<string, number>;
  source: SourceRef;
}

export interface DialplanModel {
  contexts: Map<string, ContextDef>;
  /** "file:line: message" for everything suspicious that did not stop loading. */
  warnings: string[];
}

/** FreeSWITCH's recursion limit for nested conditions (mod_dialplan_xml MAX_RECUR). */
export const MAX_CONDITION_DEPTH = 100;

/**
 * Applications FreeSWITCH flags SAF_ROUTING_EXEC (freeswitch-behaviour.md §5.3). The core decides
 * at run time from its registry (AppFlags.routingSafe); the loader only uses this list to warn
 * about `inline="true"` on an application that can never run inline.
 */
export const ROUTING_SAFE_APPS: ReadonlySet<string> = new Set([
  'set', 'unset', 'export', 'bridge_export', 'multiset', 'multiunset', 'push', 'unshift',
  'set_global', 'set_profile_var', 'set_user', 'log', 'info', 'event', 'eval', 'presence',
  'check_acl', 'verbose_events', 'set_media_stats', 'early_hangup', 'set_zombie_exec', 'stop',
  'novideo', 'cng_plc',
]);

/** FreeSWITCH switch_true. */
export function isTrue(v: string | undefined): boolean {
  if (v === undefined) return false;
  const t = v.trim().toLowerCase();
  if (t === 'yes' || t === 'on' || t === 'true' || t === 't' || t === 'enabled' || t === 'active' || t === 'allow') return true;
  const n = Number(t);
  return t !== '' && Number.isFinite(n) && n !== 0;
}
