/**
 * Channel variable expansion (freeswitch-behaviour.md §5.4; FreeSWITCH
 * switch_channel_expand_variables_check):
 *
 *   ${name}                 channel variable, then caller-profile field, then global (the context decides)
 *   ${name:offset[:len]}    substring; negative offset counts from the end
 *   $${name}                global variable
 *   ${api(args)}            API call through the API registry (args expanded first)
 *   ${a_${b}}               nested: the inside is expanded before it is looked up
 *   \$  -> literal '$'      \\ -> literal '\'
 *
 * Decisions:
 * - A variable's VALUE is never expanded again. FreeSWITCH re-expands values and therefore has to
 *   refuse values containing "${" from untrusted sources (var_check); we never re-expand, so a
 *   caller-controlled value (display name, SIP header) cannot trigger an API call.
 * - Unknown variables and unknown APIs expand to "" (FreeSWITCH behaviour); unterminated "${" is
 *   copied literally.
 * - Bounded: nesting depth MAX_EXPANSION_DEPTH, output MAX_EXPANSION_OUTPUT characters (truncated).
 * - Strings without '$' are returned unchanged (backslashes included), as FreeSWITCH does.
 */

export interface ExpansionContext {
  /** `${name}` lookup. */
  getVariable(name: string): string | undefined;
  /** `$${name}` lookup. */
  getGlobal(name: string): string | undefined;
  /** `${name(args)}`: returns undefined when there is no such API. */
  callApi?(name: string, args: string): string | undefined | Promise<string | undefined>;
}

export const MAX_EXPANSION_DEPTH = 16;
export const MAX_EXPANSION_OUTPUT = 256 * 1024;

/** `${var:offset:len}` substring semantics of FreeSWITCH (out-of-range offsets clamp). */
export function substringVar(value: string, offset: number, len: number | undefined): string {
  let v = value;
  if (offset >= 0) v = v.slice(Math.min(offset, v.length));
  else if (-offset <= v.length) v = v.slice(v.length + offset);
  if (len !== undefined && len > 0 && len < v.length) v = v.slice(0, len);
  return v;
}

/** Index of the '}' closing an expression whose body starts at `from`; -1 if none. */
function findExprEnd(s: string, from: number): number {
  let depth = 1;
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 123 /* { */) depth++;
    else if (c === 125 /* } */) {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

function parseIntPrefix(s: string): number {
  const n = Number.parseInt(s, 10);
  return Number.isFinite(n) ? n : 0;
}

async function resolveExpr(expr: string, ctx: ExpansionContext): Promise<string> {
  const paren = expr.indexOf('(');
  if (paren > 0 && expr.endsWith(')')) {
    const name = expr.slice(0, paren).trim();
    const args = expr.slice(paren + 1, -1);
    if (!ctx.callApi) return '';
    const r = await ctx.callApi(name, args);
    return r ?? '';
  }
  const colon = expr.indexOf(':');
  if (colon < 0) return ctx.getVariable(expr) ?? '';
  const name = expr.slice(0, colon);
  const spec = expr.slice(colon + 1);
  const colon2 = spec.indexOf(':');
  const offset = parseIntPrefix(colon2 < 0 ? spec : spec.slice(0, colon2));
  const len = colon2 < 0 ? undefined : parseIntPrefix(spec.slice(colon2 + 1));
  const value = ctx.getVariable(name) ?? '';
  if (offset === 0 && !len) return value;
  return substringVar(value, offset, len);
}

async function expandAt(input: string, ctx: ExpansionContext, depth: number): Promise<string> {
  if (input.indexOf('$') < 0) return input;
  if (depth > MAX_EXPANSION_DEPTH) return input;
  let out = '';
  let i = 0;
  const n = input.length;
  while (i < n) {
    if (out.length > MAX_EXPANSION_OUTPUT) return out.slice(0, MAX_EXPANSION_OUTPUT);
    const ch = input[i]!;
    if (ch === '\\') {
      const next = input[i + 1];
      if (next === '$' || next === '\\') {
        out += next;
        i += 2;
        continue;
      }
      out += ch;
      i++;
      continue;
    }
    if (ch === '$') {
      const isGlobal = input[i + 1] === '$' && input[i + 2] === '{';
      if (isGlobal || input[i + 1] === '{') {
        const bodyStart = i + (isGlobal ? 3 : 2);
        const end = findExprEnd(input, bodyStart);
        if (end < 0) {
          out += input.slice(i);
          break;
        }
        let expr = input.slice(bodyStart, end);
        if (expr.indexOf('$') >= 0) expr = await expandAt(expr, ctx, depth + 1);
        out += isGlobal ? (ctx.getGlobal(expr) ?? '') : await resolveExpr(expr, ctx);
        i = end + 1;
        continue;
      }
    }
    out += ch;
    i++;
  }
  return out.length > MAX_EXPANSION_OUTPUT ? out.slice(0, MAX_EXPANSION_OUTPUT) : out;
}

export function expandVariables(input: string, ctx: ExpansionContext): Promise<string> {
  return expandAt(input, ctx, 0);
}

/** True when `s` contains something expansion would act on. */
export function hasVariables(s: string): boolean {
  return s.indexOf('${') >= 0;
}
