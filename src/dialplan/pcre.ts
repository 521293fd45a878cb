/**
 * FreeSWITCH dialplan expressions are PCRE; this maps them onto JavaScript RegExp by scanning the
 * pattern once (no regex over the pattern itself). What changes:
 *
 *   /expr/i  /expr/s          FreeSWITCH's slash form with flags (switch_regex_perform)
 *   (?i) (?s) (?m) at start    -> RegExp flags
 *   (?P<n>..) (?'n'..)         -> (?<n>..)          (?P=n) \k{n} \k'n' \g{n}  -> \k<n>
 *   \g1 \g{1}                  -> \1
 *   (?#comment)                -> removed
 *   \A \z \Z                   -> (?<![\s\S])  (?![\s\S])  (?=\n?(?![\s\S]))
 *   \Q...\E                    -> escaped literal
 *   [[:digit:]] etc.           -> ASCII ranges (POSIX classes inside brackets)
 *   \h \H \R \e \a \x{hh}      -> equivalents
 *   []abc]                     -> [\]abc]           (a leading ']' is literal in PCRE)
 *
 * Refused with an explanation (JavaScript has no equivalent): atomic groups (?>..), possessive
 * quantifiers (a++ a*+ a?+ {n}+), recursion (?R) (?1) (?&n) (?P>n), conditionals (?(..)..),
 * branch reset (?|..), inline flags other than at the start, the x flag, \p \P \X \C \G \K.
 *
 * Known differences kept: PCRE's `$` also matches before a final newline (JS `$` does not);
 * `.` in JS also stops at \u2028/\u2029. The expressions are operator-written (trusted); the
 * SUBJECT is bounded by the engine (hunt.ts) because it is attacker-controlled.
 */

export class PatternError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PatternError';
  }
}

const POSIX_CLASSES: Record<string, string> = {
  alnum: 'a-zA-Z0-9',
  alpha: 'a-zA-Z',
  ascii: '\\x00-\\x7F',
  blank: ' \\t',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '\\x21-\\x7E',
  lower: 'a-z',
  print: '\\x20-\\x7E',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '\\w',
  xdigit: '0-9A-Fa-f',
};

const SPECIALS = '\\^$.|?*+()[]{}/-';

function escapeLiteral(s: string, inClass: boolean): string {
  let out = '';
  for (const c of s) {
    if (SPECIALS.includes(c) || (inClass && c === ']')) out += `\\${c}`;
    else out += c;
  }
  return out;
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

function isNameChar(c: string | undefined): boolean {
  return c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c === '_');
}

export interface TranslatedPattern {
  source: string;
  flags: string;
}

class Translator {
  private i = 0;
  private out = '';

  constructor(private readonly p: string) {}

  private fail(what: string): never {
    throw new PatternError(`${what} is not supported (at offset ${this.i} of /${this.p}/)`);
  }

  /** Reads up to `close`; returns the text in between and moves past `close`. */
  private readUntil(close: string, what: string): string {
    const end = this.p.indexOf(close, this.i);
    if (end < 0) throw new PatternError(`unterminated ${what} in /${this.p}/`);
    const s = this.p.slice(this.i, end);
    this.i = end + close.length;
    return s;
  }

  private readName(close: string): string {
    const name = this.readUntil(close, 'group name');
    if (!name || ![...name].every(isNameChar) || isDigit(name[0])) throw new PatternError(`bad group name "${name}" in /${this.p}/`);
    return name;
  }

  run(): string {
    const p = this.p;
    while (this.i < p.length) {
      const c = p[this.i]!;
      if (c === '\\') this.escape(false);
      else if (c === '[') this.charClass();
      else if (c === '(') this.group();
      else if (c === '*' || c === '+' || c === '?') {
        this.out += c;
        this.i++;
        this.afterQuantifier();
      } else if (c === '{') {
        this.brace();
      } else {
        this.out += c;
        this.i++;
      }
    }
    return this.out;
  }

  /** After a quantifier: a '+' makes it possessive (refused); a '?' (lazy) is copied. */
  private afterQuantifier(): void {
    const n = this.p[this.i];
    if (n === '+') this.fail('a possessive quantifier');
    if (n === '?') {
      this.out += '?';
      this.i++;
    }
  }

  /** `{n}`, `{n,}`, `{n,m}` is a quantifier; anything else is a literal '{' (PCRE and JS agree). */
  private brace(): void {
    const p = this.p;
    let j = this.i + 1;
    const startDigits = j;
    while (isDigit(p[j])) j++;
    let ok = j > startDigits;
    if (ok && p[j] === ',') {
      j++;
      while (isDigit(p[j])) j++;
    }
    ok = ok && p[j] === '}';
    if (!ok) {
      this.out += '\\{';
      this.i++;
      return;
    }
    this.out += p.slice(this.i, j + 1);
    this.i = j + 1;
    this.afterQuantifier();
  }

  private escape(inClass: boolean): void {
    const p = this.p;
    const n = p[this.i + 1];
    if (n === undefined) throw new PatternError(`trailing backslash in /${p}/`);
    this.i += 2;
    switch (n) {
      case 'Q': {
        const end = p.indexOf('\\E', this.i);
        const lit = end < 0 ? p.slice(this.i) : p.slice(this.i, end);
        this.i = end < 0 ? p.length : end + 2;
        this.out += escapeLiteral(lit, inClass);
        return;
      }
      case 'E':
        return;
      case 'A':
        if (inClass) this.fail('\\A inside a character class');
        this.out += '(?<![\\s\\S])';
        return;
      case 'z':
        if (inClass) this.fail('\\z inside a character class');
        this.out += '(?![\\s\\S])';
        return;
      case 'Z':
        if (inClass) this.fail('\\Z inside a character class');
        this.out += '(?=\\n?(?![\\s\\S]))';
        return;
      case 'h':
        this.out += inClass ? '\\t \\xA0' : '[\\t \\xA0]';
        return;
      case 'H':
        if (inClass) this.fail('\\H inside a character class');
        this.out += '[^\\t \\xA0]';
        return;
      case 'R':
        if (inClass) this.fail('\\R inside a character class');
        this.out += '(?:\\r\\n|[\\n\\v\\f\\r\\x85])';
        return;
      case 'e':
        this.out += '\\x1B';
        return;
      case 'a':
        this.out += '\\x07';
        return;
      case 'x': {
        if (p[this.i] !== '{') {
          this.out += '\\x';
          return;
        }
        this.i++;
        const hex = this.readUntil('}', '\\x{...}');
        const cp = Number.parseInt(hex, 16);
        if (!hex || !Number.isFinite(cp) || cp > 0xffff) this.fail(`\\x{${hex}}`);
        this.out += `\\u${cp.toString(16).padStart(4, '0')}`;
        return;
      }
      case 'g': {
        if (inClass) this.fail('\\g inside a character class');
        let ref: string;
        if (p[this.i] === '{') {
          this.i++;
          ref = this.readUntil('}', '\\g{...}');
        } else {
          const s = this.i;
          while (isDigit(p[this.i])) this.i++;
          ref = p.slice(s, this.i);
        }
        if (ref !== '' && [...ref].every(isDigit)) this.out += `\\${ref}`;
        else if (ref !== '' && [...ref].every(isNameChar)) this.out += `\\k<${ref}>`;
        else this.fail(`the back reference \\g${ref}`);
        return;
      }
      case 'k': {
        if (inClass) this.fail('\\k inside a character class');
        const open = p[this.i];
        const close = open === '{' ? '}' : open === "'" ? "'" : open === '<' ? '>' : undefined;
        if (!close) this.fail('\\k without a name');
        this.i++;
        this.out += `\\k<${this.readName(close)}>`;
        return;
      }
      case 'p':
      case 'P':
      case 'X':
      case 'C':
      case 'G':
      case 'K':
        this.i -= 2;
        this.fail(`\\${n}`);
        break;
      default:
        this.out += `\\${n}`;
    }
  }

  private charClass(): void {
    const p = this.p;
    this.out += '[';
    this.i++;
    if (p[this.i] === '^') {
      this.out += '^';
      this.i++;
    }
    if (p[this.i] === ']') {
      this.out += '\\]';
      this.i++;
    }
    while (this.i < p.length) {
      const c = p[this.i]!;
      if (c === ']') {
        this.out += ']';
        this.i++;
        return;
      }
      if (c === '\\') {
        this.escape(true);
        continue;
      }
      if (c === '[' && p[this.i + 1] === ':') {
        const end = p.indexOf(':]', this.i + 2);
        if (end > 0) {
          const name = p.slice(this.i + 2, end);
          const expansion = POSIX_CLASSES[name];
          if (!expansion) this.fail(`the POSIX class [:${name}:]`);
          this.out += expansion;
          this.i = end + 2;
          continue;
        }
      }
      if (c === '[') {
        this.out += '\\[';
        this.i++;
        continue;
      }
      this.out += c;
      this.i++;
    }
    throw new PatternError(`unterminated character class in /${p}/`);
  }

  private group(): void {
    const p = this.p;
    if (p[this.i + 1] !== '?') {
      this.out += '(';
      this.i++;
      return;
    }
    const a = p[this.i + 2];
    const b = p[this.i + 3];
    if (a === ':' || a === '=' || a === '!') {
      this.out += p.slice(this.i, this.i + 3);
      this.i += 3;
      return;
    }
    if (a === '<' && (b === '=' || b === '!')) {
      this.out += p.slice(this.i, this.i + 4);
      this.i += 4;
      return;
    }
    if (a === '<' || a === "'") {
      this.i += 3;
      this.out += `(?<${this.readName(a === '<' ? '>' : "'")}>`;
      return;
    }
    if (a === 'P') {
      if (b === '<') {
        this.i += 4;
        this.out += `(?<${this.readName('>')}>`;
        return;
      }
      if (b === '=') {
        this.i += 4;
        this.out += `\\k<${this.readName(')')}>`;
        return;
      }
      this.fail('(?P> recursion');
    }
    if (a === '#') {
      this.i += 3;
      this.readUntil(')', 'comment');
      return;
    }
    if (a === '>') this.fail('an atomic group (?>...)');
    if (a === '|') this.fail('a branch reset group (?|...)');
    if (a === '(') this.fail('a conditional group (?(...)...)');
    if (a === 'R' || a === '&' || isDigit(a) || a === '+' || a === '-' && isDigit(b)) this.fail('recursion');
    this.fail('an inline option group (only (?i), (?s), (?m) at the very start are)');
  }
}

/** Leading `(?ims)` groups -> flags; returns the rest of the pattern. */
function leadingFlags(p: string, flags: Set<string>): string {
  let rest = p;
  for (;;) {
    if (!rest.startsWith('(?')) return rest;
    let j = 2;
    const found: string[] = [];
    while (j < rest.length && 'imsx'.includes(rest[j]!)) found.push(rest[j++]!);
    if (found.length === 0 || rest[j] !== ')') return rest;
    for (const f of found) {
      if (f === 'x') throw new PatternError(`the x (extended) flag is not supported in /${p}/`);
      flags.add(f);
    }
    rest = rest.slice(j + 1);
  }
}

/** PCRE (as FreeSWITCH accepts it) -> JavaScript source and flags. Throws PatternError. */
export function translatePcre(expression: string): TranslatedPattern {
  const flags = new Set<string>();
  let body = expression;
  if (body.startsWith('/')) {
    const last = body.lastIndexOf('/');
    if (last > 0) {
      for (const f of body.slice(last + 1)) if (f === 'i' || f === 's') flags.add(f);
      body = body.slice(1, last);
    }
  }
  body = leadingFlags(body, flags);
  const source = new Translator(body).run();
  return { source, flags: [...flags].sort().join('') };
}

/** translatePcre + RegExp. Throws PatternError (also for what RegExp itself rejects). */
export function compilePcre(expression: string): RegExp {
  const t = translatePcre(expression);
  try {
    return new RegExp(t.source, t.flags);
  } catch (e) {
    throw new PatternError(`invalid regular expression /${expression}/: ${(e as Error).message}`);
  }
}

/**
 * Compiled patterns for expressions that are only known while hunting (they contain ${var}).
 * Bounded: when full, the oldest entry is dropped. Failures are cached too, so a broken
 * expression is not recompiled (and re-logged) on every call.
 */
export class PatternCache {
  private readonly map = new Map<string, RegExp | PatternError>();

  constructor(private readonly max = 512) {}

  get(expression: string): RegExp | PatternError {
    const hit = this.map.get(expression);
    if (hit) return hit;
    let v: RegExp | PatternError;
    try {
      v = compilePcre(expression);
    } catch (e) {
      v = e instanceof PatternError ? e : new PatternError(String(e));
    }
    if (this.map.size >= this.max) {
      const oldest = this.map.keys().next();
      if (!oldest.done) this.map.delete(oldest.value);
    }
    this.map.set(expression, v);
    return v;
  }

  get size(): number {
    return this.map.size;
  }
}
