/**
 * A small JSON parser that remembers the line of every value and object key, so a mistake in a
 * JSON config is reported as "file:line: ..." just like in XML. Strict RFC 8259 syntax; duplicate
 * keys are an error (JSON.parse would silently keep the last one). Iterative scanning, no regex.
 */
import { StrowgerError } from '../util/errors';
import { displayPath } from './problems';

export type JsonNode =
  | { kind: 'object'; line: number; entries: JsonEntry[] }
  | { kind: 'array'; line: number; items: JsonNode[] }
  | { kind: 'string'; line: number; value: string }
  | { kind: 'number'; line: number; value: number; raw: string }
  | { kind: 'boolean'; line: number; value: boolean }
  | { kind: 'null'; line: number };

export interface JsonEntry {
  key: string;
  line: number;
  value: JsonNode;
}

const MAX_DEPTH = 64;

class JsonScanner {
  private pos = 0;
  private line = 1;
  private lineStart = 0;

  constructor(
    private readonly text: string,
    private readonly file: string,
  ) {}

  fail(message: string): never {
    const col = this.pos - this.lineStart + 1;
    throw new StrowgerError('CONFIG_INVALID', `${displayPath(this.file)}:${this.line}:${col}: ${message}`, {
      file: this.file,
      line: this.line,
    });
  }

  private skipWs(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c === 0x0a) {
        this.pos++;
        this.line++;
        this.lineStart = this.pos;
      } else if (c === 0x20 || c === 0x09 || c === 0x0d) {
        this.pos++;
      } else {
        break;
      }
    }
  }

  parseDocument(): JsonNode {
    if (this.text.charCodeAt(0) === 0xfeff) this.pos = 1; // BOM
    const v = this.parseValue(0);
    this.skipWs();
    if (this.pos < this.text.length) this.fail('unexpected data after the JSON value');
    return v;
  }

  private parseValue(depth: number): JsonNode {
    if (depth > MAX_DEPTH) this.fail(`nesting deeper than ${MAX_DEPTH}`);
    this.skipWs();
    const line = this.line;
    const c = this.text[this.pos];
    if (c === '{') return this.parseObject(depth, line);
    if (c === '[') return this.parseArray(depth, line);
    if (c === '"') return { kind: 'string', line, value: this.parseString() };
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.parseNumber(line);
    if (this.text.startsWith('true', this.pos)) return this.word(4, { kind: 'boolean', line, value: true });
    if (this.text.startsWith('false', this.pos)) return this.word(5, { kind: 'boolean', line, value: false });
    if (this.text.startsWith('null', this.pos)) return this.word(4, { kind: 'null', line });
    if (c === undefined) this.fail('unexpected end of input');
    this.fail(`unexpected character ${JSON.stringify(c)}`);
  }

  private word(len: number, node: JsonNode): JsonNode {
    this.pos += len;
    return node;
  }

  private parseObject(depth: number, line: number): JsonNode {
    this.pos++; // {
    const entries: JsonEntry[] = [];
    const seen = new Set<string>();
    this.skipWs();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return { kind: 'object', line, entries };
    }
    for (;;) {
      this.skipWs();
      if (this.text[this.pos] !== '"') this.fail('expected a "quoted" object key');
      const keyLine = this.line;
      const key = this.parseString();
      if (seen.has(key)) this.fail(`duplicate key "${key}"`);
      seen.add(key);
      this.skipWs();
      if (this.text[this.pos] !== ':') this.fail(`expected ':' after key "${key}"`);
      this.pos++;
      const value = this.parseValue(depth + 1);
      entries.push({ key, line: keyLine, value });
      this.skipWs();
      const c = this.text[this.pos];
      if (c === ',') {
        this.pos++;
        continue;
      }
      if (c === '}') {
        this.pos++;
        return { kind: 'object', line, entries };
      }
      this.fail("expected ',' or '}' in object");
    }
  }

  private parseArray(depth: number, line: number): JsonNode {
    this.pos++; // [
    const items: JsonNode[] = [];
    this.skipWs();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return { kind: 'array', line, items };
    }
    for (;;) {
      items.push(this.parseValue(depth + 1));
      this.skipWs();
      const c = this.text[this.pos];
      if (c === ',') {
        this.pos++;
        continue;
      }
      if (c === ']') {
        this.pos++;
        return { kind: 'array', line, items };
      }
      this.fail("expected ',' or ']' in array");
    }
  }

  private parseString(): string {
    const t = this.text;
    this.pos++; // opening quote
    let out = '';
    let runStart = this.pos;
    for (;;) {
      if (this.pos >= t.length) this.fail('unterminated string');
      const c = t.charCodeAt(this.pos);
      if (c === 0x22) {
        out += t.slice(runStart, this.pos);
        this.pos++;
        return out;
      }
      if (c < 0x20) this.fail('control character in string (escape it)');
      if (c !== 0x5c) {
        this.pos++;
        continue;
      }
      out += t.slice(runStart, this.pos);
      const e = t[this.pos + 1];
      this.pos += 2;
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          const hex = t.slice(this.pos, this.pos + 4);
          if (hex.length !== 4 || !isHex4(hex)) this.fail('bad \\u escape');
          out += String.fromCharCode(parseInt(hex, 16));
          this.pos += 4;
          break;
        }
        default:
          this.pos -= 2;
          this.fail(`bad escape \\${e ?? ''}`);
      }
      runStart = this.pos;
    }
  }

  private parseNumber(line: number): JsonNode {
    const t = this.text;
    const start = this.pos;
    if (t[this.pos] === '-') this.pos++;
    if (t[this.pos] === '0') this.pos++;
    else if (!this.digits()) this.fail('bad number');
    if (t[this.pos] === '.') {
      this.pos++;
      if (!this.digits()) this.fail('bad number: digits expected after "."');
    }
    if (t[this.pos] === 'e' || t[this.pos] === 'E') {
      this.pos++;
      if (t[this.pos] === '+' || t[this.pos] === '-') this.pos++;
      if (!this.digits()) this.fail('bad number: digits expected in exponent');
    }
    const raw = t.slice(start, this.pos);
    return { kind: 'number', line, value: Number(raw), raw };
  }

  private digits(): boolean {
    const start = this.pos;
    while (this.pos < this.text.length) {
      const c = this.text.charCodeAt(this.pos);
      if (c < 48 || c > 57) break;
      this.pos++;
    }
    return this.pos > start;
  }
}

function isHex4(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i) | 0x20;
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

export function parseJsonWithLines(text: string, file: string): JsonNode {
  return new JsonScanner(text, file).parseDocument();
}
