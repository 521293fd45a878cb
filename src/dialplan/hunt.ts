/**
 * The hunt (freeswitch-behaviour.md §5.1-5.3; FreeSWITCH mod_dialplan_xml dialplan_hunt and
 * parse_exten). Routing yields a plan; execution runs it (architecture.md habit 13): the hunt
 * returns the queued actions and touches the call only through HuntSubject — inline actions,
 * and the DP_MATCH / DP_REGEX_MATCH_n variables FreeSWITCH also sets while hunting.
 *
 *   context = caller profile `context`; missing -> context "global"; missing -> no route
 *   auto_hunt=true -> start at the extension named like destination_number
 *   for each extension, in document order:
 *     matched = evalGroup(extension.conditions)
 *     matched && !continue -> stop
 *   one queue for the whole hunt: actions of every passing condition (and anti-actions of every
 *   failing one) are queued even when their extension ends up not matching
 *   nothing queued (and nothing run inline) -> no route (the core hangs up NO_ROUTE_DESTINATION)
 *
 *   evalGroup(conditions):                                   result = last condition's result
 *     passed = evaluate(condition)
 *     passed  -> queue actions ($N substituted), DP_MATCH    result = true
 *     !passed -> queue anti-actions                          result = (any anti-action)
 *     break: on-false & !passed | on-true & passed | always  -> stop the group
 *     passed & nested conditions -> evalGroup(nested) (a failure counts only with
 *       require-nested, the default): failed -> `break="never"` goes on with the next sibling,
 *       otherwise the group fails
 *
 * Decisions where FreeSWITCH's code has quirks (documented, tested):
 * - A condition with time attributes and a field/regex passes only when both pass (FreeSWITCH
 *   lets either one pass it). The same for a `<regex>` child with time attributes.
 * - regex="any": the child that passes is the one whose captures are substituted (FreeSWITCH
 *   stops before recording it and substitutes from an earlier, failed child).
 * - Nested conditions run only when the parent passed (FreeSWITCH also runs them under
 *   break="never" when the parent failed but had anti-actions).
 * - The result of a regex= condition is its pass/fail (FreeSWITCH returns the last child's).
 *
 * The subject (field values) is attacker-controlled: a value longer than maxFieldLength never
 * matches, which bounds regex work per condition. Expressions are operator-written (trusted).
 */
import type { DialplanAction } from '../core';
import type { Logger } from '../util/logger';
import { isTrue, type ActionDef, type ConditionDef, type ContextDef, type DialplanModel, type ExpressionDef, type ExtensionDef } from './model';
import { PatternCache, PatternError } from './pcre';
import type { HuntSubject } from './subject';
import { captureArrayValue, substituteCaptures } from './substitute';
import { isKnownTimeZone, matchTime, type TimeSpec, type TimeZoneSpec } from './time-match';

export interface HuntOptions {
  /** Zone for time conditions when the channel sets neither tod_tz_offset nor timezone (default: local). */
  defaultTimeZone?: TimeZoneSpec;
  /** Field values longer than this never match (default 1024). */
  maxFieldLength?: number;
  /** Compiled patterns of expressions that contain ${var}; shared across hunts. */
  patterns?: PatternCache;
  log?: Logger;
}

export interface HuntPlan {
  /** The context that was used ("global" when the asked one is missing). */
  context: string;
  /** Name of the extension that queued first (FreeSWITCH's caller-extension name). */
  extension: string;
  /** Name of the extension whose match ended the hunt, if one did. */
  matched?: string;
  actions: DialplanAction[];
}

export const DEFAULT_MAX_FIELD_LENGTH = 1024;
const ANON = '_anon_';
const sharedPatterns = new PatternCache();

interface Outcome {
  passed: boolean;
  /** The match whose captures feed $N (null: none, or it failed). */
  match: RegExpExecArray | null;
  /** True when $N substitution applies (field + expression with '(', FreeSWITCH's test). */
  substitute: boolean;
}

interface FieldMatch {
  value: string;
  expression: string;
  match: RegExpExecArray | null;
}

class Hunt {
  readonly actions: DialplanAction[] = [];
  /** First extension that queued (or ran inline) anything. */
  extension: string | undefined;
  private currentExtension = ANON;
  private readonly maxField: number;
  private readonly patterns: PatternCache;

  constructor(
    private readonly subject: HuntSubject,
    private readonly opts: HuntOptions,
  ) {
    this.maxField = opts.maxFieldLength ?? DEFAULT_MAX_FIELD_LENGTH;
    this.patterns = opts.patterns ?? sharedPatterns;
  }

  private alive(): boolean {
    return this.subject.alive ? this.subject.alive() : true;
  }

  private debug(obj: Record<string, unknown>, msg: string): void {
    const log = this.opts.log;
    if (log && log.isLevelEnabled('debug')) log.debug({ extension: this.currentExtension, ...obj }, msg);
  }

  /** Returns true when the extension matched. */
  async extensionMatches(ext: ExtensionDef): Promise<boolean> {
    this.currentExtension = ext.name ?? ANON;
    return this.group(ext.conditions, true);
  }

  /** One list of sibling conditions. `requireNested`: false makes the group never fail. */
  private async group(conditions: readonly ConditionDef[], requireNested: boolean): Promise<boolean> {
    let proceed = false;
    for (const c of conditions) {
      if (!this.alive()) return false;
      // evaluate and run finish synchronously unless something must be expanded or run inline:
      // no promise then.
      const e = this.evaluate(c);
      const o = e instanceof Promise ? await e : e;
      if (o.passed) {
        proceed = true;
        if (o.substitute && o.match) this.subject.setVariable('DP_MATCH', captureArrayValue(o.match));
        const r = this.run(c.actions, o.substitute ? o.match : undefined);
        if (r) await r;
      } else {
        proceed = c.antiActions.length > 0;
        const r = this.run(c.antiActions, undefined);
        if (r) await r;
      }
      const b = c.breakMode;
      if (b === 'always' || (b === 'on-true' && o.passed) || (b === 'on-false' && !o.passed)) break;
      if (o.passed && c.conditions.length > 0) {
        const nested = await this.group(c.conditions, c.requireNested);
        if (!nested) {
          if (b === 'never') continue;
          proceed = false;
          break;
        }
        proceed = true;
      }
    }
    return proceed || !requireNested;
  }

  /**
   * Queue (or run inline) a list of actions; `match` !== undefined -> substitute $N from it.
   * Synchronous (undefined) unless an inline action must run: the rest then runs in runFrom.
   */
  private run(list: readonly ActionDef[], match: RegExpExecArray | null | undefined): Promise<void> | undefined {
    for (let k = 0; k < list.length; k++) {
      const a = list[k]!;
      if (a.inline) return this.runFrom(list, k, match);
      if (!this.alive()) return undefined;
      this.extension ??= this.currentExtension;
      const data = match === undefined ? a.data : substituteCaptures(a.data, match);
      for (let n = 0; n < a.loop; n++) this.actions.push({ app: a.app, data });
    }
    return undefined;
  }

  private async runFrom(list: readonly ActionDef[], start: number, match: RegExpExecArray | null | undefined): Promise<void> {
    for (let k = start; k < list.length; k++) {
      const a = list[k]!;
      if (!this.alive()) return;
      this.extension ??= this.currentExtension;
      const data = match === undefined ? a.data : substituteCaptures(a.data, match);
      for (let n = 0; n < a.loop; n++) {
        if (a.inline) {
          this.debug({ app: a.app, data }, 'Action (INLINE)');
          await this.subject.executeInline(a.app, data);
        } else {
          this.actions.push({ app: a.app, data });
        }
      }
    }
  }

  private evaluate(c: ConditionDef): Outcome | Promise<Outcome> {
    const timeOk = c.time ? this.timeMatches(c.time) : undefined;
    if (c.regexMode) return this.evaluateRegexes(c, timeOk);
    if (c.field === undefined) {
      // No field: an absolute condition, or a time-only one.
      return { passed: timeOk !== false, match: null, substitute: false };
    }
    const field = c.field;
    const r = this.matchField(field, c.expression);
    return r instanceof Promise ? r.then((m) => this.fieldOutcome(field, m, timeOk)) : this.fieldOutcome(field, r, timeOk);
  }

  private fieldOutcome(field: string, r: FieldMatch, timeOk: boolean | undefined): Outcome {
    const passed = r.match !== null && timeOk !== false;
    this.debug({ field, value: r.value, expression: r.expression, time: timeOk }, passed ? 'Regex (PASS)' : 'Regex (FAIL)');
    return { passed, match: r.match, substitute: r.expression.includes('(') };
  }

  private async evaluateRegexes(c: ConditionDef, timeOk: boolean | undefined): Promise<Outcome> {
    const mode = c.regexMode!;
    let pass = 0;
    let fail = 0;
    let captured: { match: RegExpExecArray | null } | undefined;
    for (let i = 1; i <= c.regexes.length; i++) this.subject.setVariable(`DP_REGEX_MATCH_${i}`, undefined);
    let index = 0;
    for (const r of c.regexes) {
      index++;
      const childTime = r.time ? this.timeMatches(r.time) : undefined;
      let ok: boolean;
      if (r.field !== undefined) {
        const mf = this.matchField(r.field, r.expression);
        const m = mf instanceof Promise ? await mf : mf;
        ok = m.match !== null && childTime !== false;
        this.debug({ field: r.field, value: m.value, expression: m.expression, mode }, ok ? 'Regex (PASS)' : 'Regex (FAIL)');
        if (m.expression.includes('(')) {
          if (m.match) this.subject.setVariable(`DP_REGEX_MATCH_${index}`, captureArrayValue(m.match));
          captured = { match: ok ? m.match : null };
        }
      } else {
        ok = childTime !== false;
      }
      if (ok) pass++;
      else fail++;
      if (mode === 'any' && ok) break;
      if (mode === 'all' && !ok) break;
    }
    const regexOk = mode === 'xor' ? pass === 1 : mode === 'all' ? fail === 0 : pass > 0;
    return { passed: regexOk && timeOk !== false, match: captured?.match ?? null, substitute: captured !== undefined };
  }

  /**
   * Field value (expanded when it holds '$'), expression (expanded) and the match. Synchronous
   * unless something has to be expanded.
   */
  private matchField(field: string, expr: ExpressionDef): FieldMatch | Promise<FieldMatch> {
    if (field.includes('$') || (!expr.compiled && expr.source.includes('$'))) return this.matchFieldExpanded(field, expr);
    return this.matchValue(field, this.subject.field(field), expr.source, expr.compiled);
  }

  private async matchFieldExpanded(field: string, expr: ExpressionDef): Promise<FieldMatch> {
    const value = field.includes('$') ? await this.subject.expand(field) : this.subject.field(field);
    let expression = expr.source;
    if (!expr.compiled && expression.includes('$')) expression = await this.subject.expand(expression);
    return this.matchValue(field, value, expression, expr.compiled);
  }

  private matchValue(field: string, value: string, expression: string, compiled: RegExp | PatternError | undefined): FieldMatch {
    const re = compiled ?? this.patterns.get(expression);
    if (re instanceof PatternError) {
      this.opts.log?.error({ extension: this.currentExtension, expression, err: re.message }, 'bad dialplan expression');
      return { value, expression, match: null };
    }
    if (value.length > this.maxField) {
      this.opts.log?.warn({ extension: this.currentExtension, field, length: value.length, max: this.maxField }, 'field value too long to match');
      return { value: value.slice(0, 64), expression, match: null };
    }
    return { value, expression, match: re.exec(value) };
  }

  /** Channel's zone: tod_tz_offset (hours), else timezone (IANA), else the default. */
  private zone(): TimeZoneSpec {
    const off = this.subject.getVariable('tod_tz_offset');
    if (off !== undefined && off.trim() !== '') {
      const n = Number(off.trim());
      if (Number.isInteger(n)) return { kind: 'offset', hours: n };
    }
    const name = this.subject.getVariable('timezone');
    if (name && name.trim() !== '') {
      if (isKnownTimeZone(name.trim())) return { kind: 'iana', name: name.trim() };
      this.opts.log?.warn({ timezone: name }, 'unknown timezone; using the default');
    }
    return this.opts.defaultTimeZone ?? { kind: 'local' };
  }

  private timeMatches(spec: TimeSpec): boolean {
    const ok = matchTime(spec, this.subject.now(), this.zone());
    this.debug({ time: spec }, ok ? 'Date/Time Match (PASS)' : 'Date/Time Match (FAIL)');
    return ok;
  }
}

/** The context a hunt uses: the asked one, else "global", else none (FreeSWITCH dialplan_hunt). */
export function resolveContext(model: DialplanModel, name: string): ContextDef | undefined {
  return model.contexts.get(name || 'default') ?? model.contexts.get('global');
}

/**
 * Hunt `model` for the subject's context and destination_number. Returns the plan, or undefined
 * when there is no route (no context, or nothing was queued). Re-entrant: each call is
 * independent, so a transfer simply hunts again with the new destination and context.
 */
export async function huntDialplan(model: DialplanModel, subject: HuntSubject, opts: HuntOptions = {}): Promise<HuntPlan | undefined> {
  const asked = subject.field('context') || 'default';
  const ctx = resolveContext(model, asked);
  const destination = subject.field('destination_number');
  if (!ctx) {
    opts.log?.warn({ context: asked }, `Context ${asked} not found`);
    return undefined;
  }
  const hunt = new Hunt(subject, opts);
  let start = 0;
  if (isTrue(subject.getVariable('auto_hunt'))) start = ctx.byName.get(destination) ?? 0;
  let matched: string | undefined;
  for (let i = start; i < ctx.extensions.length; i++) {
    if (subject.alive && !subject.alive()) return undefined;
    const ext = ctx.extensions[i]!;
    const proceed = await hunt.extensionMatches(ext);
    if (proceed && !ext.continue) {
      matched = ext.name ?? ANON;
      break;
    }
  }
  if (hunt.extension === undefined) return undefined;
  if (subject.alive && !subject.alive()) return undefined;
  return { context: ctx.name, extension: hunt.extension, matched, actions: hunt.actions };
}
