/**
 * serialize: start line, header lines in order, Content-Length recomputed from the body bytes
 * (always present: RFC 3261 §20.14 makes it mandatory on streams and harmless on datagrams),
 * empty line, body.
 *
 * The first Content-Length line keeps its place and spelling with the real byte count; further
 * Content-Length lines are dropped. Without one, `Content-Length` is appended last.
 * CR/LF inside a value never reach the wire (header injection).
 */
import type { SipHeaders, SipMessage } from './types';
import { Headers } from './headers';
import { headerKey } from './header-names';
import { formatUri } from './uri';

function startLine(msg: SipMessage): string {
  if (msg.type === 'request') return msg.method + ' ' + formatUri(msg.uri) + ' ' + msg.version + '\r\n';
  return msg.version + ' ' + msg.status + ' ' + noLineBreaks(msg.reason) + '\r\n';
}

function eachLine(h: SipHeaders, fn: (name: string, value: string, key: string) => void): void {
  if (h instanceof Headers) h.forEach(fn);
  else for (const [n, v] of h.entries()) fn(n, v, headerKey(n));
}

/**
 * A value that holds CR or LF (only possible when code built it from untrusted text) would
 * inject header lines; they become SP, like unfolding does.
 */
function noLineBreaks(v: string): string {
  if (v.indexOf('\r') < 0 && v.indexOf('\n') < 0) return v;
  let out = '';
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    out += c === 0x0d || c === 0x0a ? ' ' : v[i];
  }
  return out;
}

/** The start line and header section (ending with the empty line) as a string. */
export function serializeHead(msg: SipMessage): string {
  const bodyLength = msg.body.length;
  let head = startLine(msg);
  let sawLength = false;
  eachLine(msg.headers, (name, value, key) => {
    if (key === 'content-length') {
      if (sawLength) return;
      sawLength = true;
      head += name + ': ' + bodyLength + '\r\n';
    } else {
      head += name + ': ' + noLineBreaks(value) + '\r\n';
    }
  });
  if (!sawLength) head += 'Content-Length: ' + bodyLength + '\r\n';
  return head + '\r\n';
}

export function serialize(msg: SipMessage): Buffer {
  const head = serializeHead(msg);
  const headLength = Buffer.byteLength(head, 'utf8');
  const out = Buffer.allocUnsafe(headLength + msg.body.length);
  out.write(head, 0, 'utf8');
  msg.body.copy(out, headLength);
  return out;
}
