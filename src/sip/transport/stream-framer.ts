/**
 * Content-Length framing for stream transports (RFC 3261 §18.3, §7.5; RFC 5626 §3.5.1).
 *
 *   bytes ──push()──▶ [skip CRLF between messages] ──▶ header section up to CRLFCRLF
 *                     ──▶ Content-Length from the header lines ──▶ exactly that many body bytes
 *
 * - On a stream, Content-Length MUST be present (§18.3). Missing, non-numeric, negative or
 *   conflicting values mean the framing is lost: the framer yields an error with the header
 *   section (so a 400 can be sent) and stops; the connection must then be closed.
 * - CRLF runs before a start line are ignored (§7.5); every CRLFCRLF among them is a keep-alive
 *   ping (RFC 5626 §3.5.1) the owner answers with a single CRLF pong.
 * - A message (header + body) larger than maxMessageSize is an error (never buffer unbounded).
 * - The body is counted in bytes and never decoded as text (RFC 4475 mpart01).
 *
 * Pure: no sockets, no timers. Scans bytes; no regex.
 */

export type FramerOutput =
  | { kind: 'message'; data: Buffer }
  | { kind: 'ping' }
  | { kind: 'error'; reason: string; head: Buffer; oversize?: boolean };

const CR = 13;
const LF = 10;
const SP = 32;
const HT = 9;
const COLON = 58;

export class StreamFramer {
  /** Growable store (capacity doubles: appending is amortised O(n), even 1 byte at a time). */
  private store: Buffer = Buffer.alloc(0);
  private start = 0;
  private end = 0;
  /** Where to resume the CRLFCRLF search in buf (avoids rescanning on every chunk). */
  private searchFrom = 0;
  /** Header section end (index just past CRLFCRLF) and total length, once known. */
  private headEnd = -1;
  private total = -1;
  /** CRLFs seen back-to-back before a start line (two make a ping). */
  private crlfRun = 0;
  private failed = false;
  /** See hasMore. */
  private more = false;

  constructor(private readonly maxMessageSize: number) {}

  /** Bytes buffered but not yet framed (a partial message). */
  get pendingBytes(): number {
    return this.end - this.start;
  }

  /** True when a partial message is buffered (used to spot stalled senders). */
  get midMessage(): boolean {
    return this.end > this.start;
  }

  /** The unframed bytes (a view, valid until the next push). */
  private get buf(): Buffer {
    return this.store.subarray(this.start, this.end);
  }

  private append(chunk: Buffer): void {
    const live = this.end - this.start;
    if (this.end + chunk.length > this.store.length) {
      if (live + chunk.length <= this.store.length && this.start > 0) {
        this.store.copy(this.store, 0, this.start, this.end);
      } else {
        const grown = Buffer.allocUnsafe(Math.max(4096, 2 * this.store.length, live + chunk.length));
        this.store.copy(grown, 0, this.start, this.end);
        this.store = grown;
      }
      this.start = 0;
      this.end = live;
    }
    chunk.copy(this.store, this.end);
    this.end += chunk.length;
  }

  private consume(n: number): void {
    this.start += n;
    if (this.start >= this.end) {
      this.start = 0;
      this.end = 0;
    }
  }

  /** feed() then pull() everything that is complete (at most 100,000 outputs). */
  push(chunk: Buffer): FramerOutput[] {
    this.feed(chunk);
    return this.pull(100_000, Infinity);
  }

  /** Buffer a chunk without framing it (pull() frames). */
  feed(chunk: Buffer): void {
    if (this.failed || chunk.length === 0) return;
    this.append(chunk);
  }

  /**
   * Frame what is buffered, stopping after `maxOutputs` outputs or once the messages framed add
   * up to `maxBytes` or more (at least one message when one is complete). What is left stays
   * buffered for the next pull(); `hasMore` says whether it holds anything to frame now.
   */
  pull(maxOutputs: number, maxBytes: number): FramerOutput[] {
    const out: FramerOutput[] = [];
    let bytes = 0;
    this.more = false;
    while (!this.failed && out.length < maxOutputs && bytes < maxBytes) {
      const n = out.length;
      const progress = this.step(out);
      for (let k = n; k < out.length; k++) {
        const o = out[k]!;
        if (o.kind === 'message') bytes += o.data.length;
      }
      if (!progress) {
        if (this.end === this.start && this.store.length > 65_536) this.store = Buffer.alloc(0); // give memory back
        return out;
      }
    }
    this.more = !this.failed && this.end > this.start;
    return out;
  }

  /**
   * After pull(): it stopped at its limits with bytes still buffered, so another pull() may
   * frame more without new input (false when it stopped because it needs more bytes).
   */
  get hasMore(): boolean {
    return this.more;
  }

  /** One framing step; returns false when more bytes are needed (or framing failed). */
  private step(out: FramerOutput[]): boolean {
    if (this.failed) return false;
    if (this.headEnd < 0) {
      if (!this.skipLeadingCrlf(out)) return false;
      const idx = this.buf.indexOf('\r\n\r\n', this.searchFrom, 'latin1');
      if (idx < 0) {
        if (this.buf.length > this.maxMessageSize) {
          this.fail(out, 'message too large', this.buf.subarray(0, Math.min(this.buf.length, 4096)), true);
          return false;
        }
        this.searchFrom = Math.max(0, this.buf.length - 3);
        return false;
      }
      this.headEnd = idx + 4;
      const head = this.buf.subarray(0, this.headEnd);
      const cl = contentLengthOf(head);
      if (typeof cl === 'string') {
        this.fail(out, cl, head);
        return false;
      }
      this.total = this.headEnd + cl;
      if (this.total > this.maxMessageSize) {
        this.fail(out, 'message too large', head, true);
        return false;
      }
    }
    if (this.buf.length < this.total) return false;
    // Copy: the message outlives this buffer, and subarray would pin the whole chunk.
    out.push({ kind: 'message', data: Buffer.from(this.buf.subarray(0, this.total)) });
    this.consume(this.total);
    this.headEnd = -1;
    this.total = -1;
    this.searchFrom = 0;
    return this.end > this.start;
  }

  /** RFC 3261 §7.5 / RFC 5626 §3.5.1. Returns false when only (partial) CRLFs are buffered. */
  private skipLeadingCrlf(out: FramerOutput[]): boolean {
    const buf = this.buf;
    let i = 0;
    while (i < buf.length) {
      const c = buf[i]!;
      if (c === CR) {
        if (i + 1 >= buf.length) break; // lone CR: wait for its LF
        if (buf[i + 1] !== LF) break; // not a CRLF: let the parser judge the start line
        i += 2;
        this.crlfRun++;
        if (this.crlfRun === 2) {
          out.push({ kind: 'ping' });
          this.crlfRun = 0;
        }
        continue;
      }
      if (c === LF) {
        // Bare LF between messages: tolerate like a CRLF (lenient keep-alive peers).
        i += 1;
        continue;
      }
      break;
    }
    if (i > 0) this.consume(i);
    const left = this.end - this.start;
    if (left === 0 || (left === 1 && this.store[this.start] === CR)) return false;
    this.crlfRun = 0;
    return true;
  }

  private fail(out: FramerOutput[], reason: string, head: Buffer, oversize = false): void {
    this.failed = true;
    out.push({ kind: 'error', reason, head: Buffer.from(head), oversize });
    this.store = Buffer.alloc(0);
    this.start = 0;
    this.end = 0;
  }
}

/**
 * Content-Length (or compact `l`) from a header section. Returns the length, or a string saying
 * why framing is impossible. Values must be 1*DIGIT (RFC 3261 §20.14); equal duplicates are
 * tolerated, different ones are not (RFC 4475 mcl01).
 */
export function contentLengthOf(head: Buffer): number | string {
  let found: number | undefined;
  let lineStart = head.indexOf(LF) + 1; // skip the start line
  if (lineStart <= 0) return 'no header section';
  while (lineStart < head.length) {
    let lineEnd = head.indexOf(LF, lineStart);
    if (lineEnd < 0) lineEnd = head.length;
    // Unfold continuation lines (§7.3.1) into this header's value range.
    while (lineEnd + 1 < head.length && (head[lineEnd + 1] === SP || head[lineEnd + 1] === HT)) {
      const next = head.indexOf(LF, lineEnd + 1);
      lineEnd = next < 0 ? head.length : next;
    }
    const v = headerValueIfContentLength(head, lineStart, lineEnd);
    if (v !== undefined) {
      const n = parseDigits(v);
      if (n === undefined) return `bad Content-Length '${printable(v)}'`;
      if (found !== undefined && found !== n) return 'conflicting Content-Length values';
      found = n;
    }
    lineStart = lineEnd + 1;
  }
  if (found === undefined) return 'missing Content-Length on a stream transport';
  return found;
}

/** If the line [start, end) is a Content-Length header, its raw value (latin1), else undefined. */
function headerValueIfContentLength(buf: Buffer, start: number, end: number): string | undefined {
  let i = start;
  let nameEnd = -1;
  while (i < end) {
    const c = buf[i]!;
    if (c === COLON) break;
    if ((c === SP || c === HT) && nameEnd < 0) nameEnd = i;
    i++;
  }
  if (i >= end) return undefined;
  if (nameEnd < 0) nameEnd = i;
  const len = nameEnd - start;
  if (len === 1) {
    const c = buf[start]! | 0x20;
    if (c !== 0x6c /* l */) return undefined;
  } else if (len === 14) {
    if (buf.toString('latin1', start, nameEnd).toLowerCase() !== 'content-length') return undefined;
  } else {
    return undefined;
  }
  return buf.toString('latin1', i + 1, end);
}

/** 1*DIGIT after trimming LWS; undefined for anything else (sign, letters, empty, > 2^31). */
function parseDigits(raw: string): number | undefined {
  let s = 0;
  let e = raw.length;
  while (s < e && isLws(raw.charCodeAt(s))) s++;
  while (e > s && isLws(raw.charCodeAt(e - 1))) e--;
  if (s === e || e - s > 10) return undefined;
  let n = 0;
  for (let i = s; i < e; i++) {
    const d = raw.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return undefined;
    n = n * 10 + d;
  }
  return n > 0x7fffffff ? undefined : n;
}

function isLws(c: number): boolean {
  return c === SP || c === HT || c === CR || c === LF;
}

function printable(s: string): string {
  const t = s.trim();
  let out = '';
  for (let i = 0; i < t.length && i < 32; i++) {
    const c = t.charCodeAt(i);
    out += c >= 0x20 && c < 0x7f ? t[i] : '?';
  }
  return out;
}
