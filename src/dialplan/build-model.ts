/**
 * ConfigNode trees (from src/config: XML, or JSON through the conf/README.md mapping) -> the one
 * DialplanModel (model.ts). Both spellings of the JSON form are accepted, so these load the same:
 *
 *   <condition field="destination_number" expression="^(10[01][0-9])$" require-nested="false">
 *     <action application="bridge" data="user/$1@${domain_name}"/>
 *     <anti-action application="hangup"/>
 *   </condition>
 *
 *   { "field": "destination_number", "expression": "^(10[01][0-9])$", "requireNested": false,
 *     "actions": [{ "app": "bridge", "data": "user/$1@${domain_name}" }],
 *     "antiActions": [{ "application": "hangup" }] }
 *
 * Accepted roots: `<context>` elements, or holders around them (`<include>`, `<section
 * name="dialplan">`, `<document>`, `<dialplan>`). Every mistake is collected and thrown as one
 * CONFIG_INVALID naming file:line; suspicious but loadable things become warnings.
 */
import { ConfigProblems, displayPath, type ConfigNode } from '../config';
import {
  isTrue,
  MAX_CONDITION_DEPTH,
  ROUTING_SAFE_APPS,
  type ActionDef,
  type BreakMode,
  type ConditionDef,
  type ContextDef,
  type DialplanModel,
  type ExpressionDef,
  type ExtensionDef,
  type RegexDef,
  type RegexMode,
  type SourceRef,
} from './model';
import { compilePcre, PatternError } from './pcre';
import { parseTimeSpec, TIME_ATTRIBUTES, type TimeSpec } from './time-match';

const HOLDERS = new Set(['include', 'section', 'document', 'dialplan', '#document']);
const BREAK_MODES: readonly BreakMode[] = ['on-false', 'on-true', 'always', 'never'];
const CONDITION_ATTRS = new Set(['field', 'expression', 'regex', 'break', 'require-nested', 'requireNested', ...TIME_ATTRIBUTES]);
const REGEX_ATTRS = new Set(['field', 'expression', ...TIME_ATTRIBUTES]);
const ACTION_ATTRS = new Set(['application', 'app', 'data', 'inline', 'loop']);

function src(n: ConfigNode): SourceRef {
  return { file: n.file, line: n.line };
}

function attr(n: ConfigNode, name: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(n.attrs, name) ? n.attrs[name] : undefined;
}

/**
 * True when FreeSWITCH-style variable expansion cannot change `s`, so its regex can be compiled
 * at load time: no '$' at all, or no `${`, `\$` or `\\` (the only sequences expansion rewrites).
 */
export function isStaticExpression(s: string): boolean {
  if (s.indexOf('$') < 0) return true;
  return s.indexOf('${') < 0 && s.indexOf('\\$') < 0 && s.indexOf('\\\\') < 0;
}

class ModelBuilder {
  readonly problems = new ConfigProblems();
  readonly contexts = new Map<string, ContextDef>();

  roots(nodes: readonly ConfigNode[]): void {
    for (const n of nodes) {
      if (n.name === 'context') this.context(n);
      else if (HOLDERS.has(n.name)) this.roots(n.children);
      else this.problems.error(n, `unexpected <${n.name}> in the dialplan (expected <context>)`);
    }
  }

  private unknownAttrs(n: ConfigNode, known: ReadonlySet<string>): void {
    for (const k of Object.keys(n.attrs)) {
      if (!known.has(k)) this.problems.warn(n, `unknown attribute ${k}="${n.attrs[k]}" on <${n.name}> is ignored`);
    }
  }

  private context(n: ConfigNode): void {
    const name = attr(n, 'name')?.trim();
    if (!name) {
      this.problems.error(n, '<context> without a name');
      return;
    }
    const prev = this.contexts.get(name);
    if (prev) {
      this.problems.error(n, `context "${name}" is defined twice (first at ${displayPath(prev.source.file)}:${prev.source.line})`);
      return;
    }
    const ctx: ContextDef = { name, extensions: [], byName: new Map(), source: src(n) };
    for (const c of n.children) {
      if (c.name === 'extension') {
        const ext = this.extension(c);
        if (ext.name !== undefined && !ctx.byName.has(ext.name)) ctx.byName.set(ext.name, ctx.extensions.length);
        ctx.extensions.push(ext);
      } else {
        this.problems.warn(c, `<${c.name}> inside context "${name}" is ignored (expected <extension>)`);
      }
    }
    this.contexts.set(name, ctx);
  }

  private extension(n: ConfigNode): ExtensionDef {
    this.unknownAttrs(n, new Set(['name', 'continue']));
    const ext: ExtensionDef = { name: attr(n, 'name'), continue: isTrue(attr(n, 'continue')), conditions: [], source: src(n) };
    for (const c of n.children) {
      if (c.name === 'condition') ext.conditions.push(this.condition(c, 1));
      else this.problems.warn(c, `<${c.name}> inside an extension is ignored (expected <condition>)`);
    }
    return ext;
  }

  private expression(n: ConfigNode): ExpressionDef {
    // A child <expression> (usually CDATA) wins over the attribute, as in FreeSWITCH.
    const child = n.children.find((c) => c.name === 'expression');
    const source = child ? (child.text ?? '') : (attr(n, 'expression') ?? '');
    const def: ExpressionDef = { source };
    if (isStaticExpression(source)) {
      try {
        def.compiled = compilePcre(source);
      } catch (e) {
        this.problems.error(child ?? n, e instanceof PatternError ? e.message : String(e));
      }
    }
    return def;
  }

  private time(n: ConfigNode): TimeSpec | undefined {
    try {
      return parseTimeSpec((name) => attr(n, name));
    } catch (e) {
      this.problems.error(n, (e as Error).message);
      return undefined;
    }
  }

  private condition(n: ConfigNode, depth: number): ConditionDef {
    this.unknownAttrs(n, CONDITION_ATTRS);
    const cond: ConditionDef = {
      field: attr(n, 'field'),
      expression: this.expression(n),
      regexes: [],
      time: this.time(n),
      breakMode: this.breakMode(n),
      requireNested: true,
      actions: [],
      antiActions: [],
      conditions: [],
      source: src(n),
    };
    const req = attr(n, 'require-nested') ?? attr(n, 'requireNested');
    if (req !== undefined) cond.requireNested = isTrue(req);
    const rx = attr(n, 'regex');
    if (rx !== undefined) {
      const mode = rx.trim().toLowerCase();
      cond.regexMode = mode === 'all' || mode === 'xor' ? (mode as RegexMode) : 'any';
      if (mode !== 'all' && mode !== 'xor' && mode !== 'any') this.problems.warn(n, `regex="${rx}" is treated as "any" (expected all, any or xor)`);
      if (cond.field !== undefined) this.problems.warn(n, `field="${cond.field}" is ignored on a condition with regex="${rx}" (its <regex> children decide)`);
    }
    for (const c of n.children) {
      switch (c.name) {
        case 'action':
          cond.actions.push(this.action(c));
          break;
        case 'anti-action':
          cond.antiActions.push(this.action(c));
          break;
        case 'regex':
          cond.regexes.push(this.regex(c));
          break;
        case 'condition':
          if (depth >= MAX_CONDITION_DEPTH) this.problems.error(c, `conditions nested deeper than ${MAX_CONDITION_DEPTH}`);
          else cond.conditions.push(this.condition(c, depth + 1));
          break;
        case 'expression':
          break;
        default:
          this.problems.warn(c, `<${c.name}> inside a condition is ignored`);
      }
    }
    if (cond.regexes.length > 0 && !cond.regexMode) {
      this.problems.warn(n, '<regex> children are ignored without regex="all|any|xor" on the condition');
    }
    if (cond.regexMode && cond.regexes.length === 0) {
      this.problems.warn(n, `regex="${rx}" without <regex> children`);
    }
    return cond;
  }

  private breakMode(n: ConfigNode): BreakMode {
    const b = attr(n, 'break');
    if (b === undefined) return 'on-false';
    const v = b.trim().toLowerCase() as BreakMode;
    if (BREAK_MODES.includes(v)) return v;
    this.problems.warn(n, `break="${b}" is treated as "on-false" (expected on-false, on-true, always or never)`);
    return 'on-false';
  }

  private regex(n: ConfigNode): RegexDef {
    this.unknownAttrs(n, REGEX_ATTRS);
    const field = attr(n, 'field');
    const time = this.time(n);
    if (field === undefined && !time) this.problems.warn(n, '<regex> without field or time attributes always passes');
    return { field, expression: this.expression(n), time, source: src(n) };
  }

  private action(n: ConfigNode): ActionDef {
    this.unknownAttrs(n, ACTION_ATTRS);
    const app = (attr(n, 'application') ?? attr(n, 'app') ?? '').trim();
    if (!app) this.problems.error(n, `<${n.name}> without an application`);
    const text = n.text ?? '';
    const data = text !== '' ? text : (attr(n, 'data') ?? '');
    const inline = isTrue(attr(n, 'inline'));
    if (inline && app && !ROUTING_SAFE_APPS.has(app.toLowerCase())) {
      this.problems.warn(n, `application "${app}" cannot be executed inline; it will be refused while hunting`);
    }
    let loop = 1;
    const loopAttr = attr(n, 'loop');
    if (loopAttr !== undefined) {
      const t = loopAttr.trim();
      const v = Number(t);
      if (t === '' || !Number.isInteger(v)) this.problems.error(n, `loop="${loopAttr}" is not a whole number`);
      else if (v > 1000) this.problems.error(n, `loop="${loopAttr}" is more than 1000`);
      else loop = Math.max(0, v);
    }
    return { app, data, inline, loop, source: src(n) };
  }
}

/**
 * Build the dialplan model from config trees (StrowgerConfig.dialplan, or documents read with
 * src/config). Throws CONFIG_INVALID listing every error; warnings are returned in the model.
 */
export function buildDialplan(nodes: readonly ConfigNode[]): DialplanModel {
  const b = new ModelBuilder();
  b.roots(nodes);
  b.problems.throwIfErrors();
  return { contexts: b.contexts, warnings: b.problems.warningTexts() };
}
