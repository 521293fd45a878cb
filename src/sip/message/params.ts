/**
 * Ordered parameter lists (`;name=value;flag`) shared by URIs, name-addrs and Via.
 * Look-ups are case-insensitive (RFC 3261 §7.3.1: parameter names are case-insensitive); order
 * and original case are kept so a message round-trips.
 */
import type { Params } from './types';
import * as chars from './chars';
import { equalsIgnoreCase } from './chars';
import * as bytesMod from './bytes';

// Module-local aliases of imported functions (see the note in parser.ts: exported bindings live in
// cells TurboFan does not fold).
const { knownParamAt, scanQuotedB } = bytesMod;

// Local aliases of chars.ts's table and class bits: exported module bindings live in cells that
// TurboFan does not fold into the hot loops; a module-local const is read like a constant.
const GENVALUE = chars.GENVALUE;
const TABLE = chars.TABLE;
const TOKEN = chars.TOKEN;

function indexOfParam(params: Params, name: string): number {
  for (let i = 0; i < params.length; i++) if (params[i]![0] === name) return i;
  for (let i = 0; i < params.length; i++) if (equalsIgnoreCase(params[i]![0], name)) return i;
  return -1;
}

/** The value of the first parameter called `name`: undefined = absent, null = present without value. */
export function getParam(params: Params, name: string): string | null | undefined {
  const i = indexOfParam(params, name);
  return i < 0 ? undefined : params[i]![1];
}

export function hasParam(params: Params, name: string): boolean {
  return indexOfParam(params, name) >= 0;
}

/** Set (replace the first, or append) a parameter; `null` makes it valueless (`;lr`, `;rport`). */
export function setParam(params: Params, name: string, value: string | null): void {
  const i = indexOfParam(params, name);
  if (i < 0) params.push([name, value]);
  else params[i] = [params[i]![0], value];
}

/** Remove every parameter called `name`. Returns true if one was removed. */
export function deleteParam(params: Params, name: string): boolean {
  let removed = false;
  for (let i = params.length - 1; i >= 0; i--) {
    if (equalsIgnoreCase(params[i]![0], name)) {
      params.splice(i, 1);
      removed = true;
    }
  }
  return removed;
}

export function cloneParams(params: Params): Params {
  return params.map(([n, v]) => [n, v]);
}

/** `;name=value;flag` for header params (values are written as stored: quoted strings keep their quotes). */
export function formatParams(params: Params): string {
  let out = '';
  for (const [n, v] of params) out += v === null ? ';' + n : ';' + n + '=' + v;
  return out;
}

/** Where the last scanGenericParams call stopped (a number: storing it costs no write barrier). */
let scanEnd = 0;

/** The index where the last scanGenericParams call stopped; read it right after the call. */
export function scannedEnd(): number {
  return scanEnd;
}

/**
 * Scan `*( SEMI generic-param )` starting at offset i of s (b: its bytes, see bytes.ts), not past
 * `end` (RFC 3261 §25.1):
 *   generic-param = token [ EQUAL gen-value ];  gen-value = token / host / quoted-string
 * with LWS allowed around ";" and "=" (header folding has already become a single SP).
 * Stops before the first char that cannot continue the list (end, ",", ...). Returns the list (a
 * fresh array, made with its first element: an empty `[]` grown by push would reserve 17 slots)
 * with the index of that char left in scannedEnd(), or undefined on a malformed parameter (empty
 * name `;;`, `name=` with no value, an unterminated quoted string). The list is returned rather
 * than left in a module variable: storing a new object into the module's (old) context would
 * take the write barrier's slow path on every call.
 */
export function scanGenericParams(s: string, b: Uint8Array, i: number, end: number): Params | undefined {
  // Written flat (no helper calls for the scans): this runs for every Via, From, To and Contact.
  let out: Params | undefined;
  for (;;) {
    let j = i;
    while (j < end && (b[j] === 0x20 || b[j] === 0x09)) j++;
    if (j >= end || b[j] !== 0x3b /* ; */) break;
    let nameStart = j + 1;
    while (nameStart < end && (b[nameStart] === 0x20 || b[nameStart] === 0x09)) nameStart++;
    let nameEnd = nameStart;
    while (nameEnd < end && (TABLE[b[nameEnd]!]! & TOKEN) !== 0) nameEnd++;
    if (nameEnd === nameStart) return undefined;
    const name = knownParamAt(b, nameStart, nameEnd - nameStart) ?? s.slice(nameStart, nameEnd);
    let k = nameEnd;
    while (k < end && (b[k] === 0x20 || b[k] === 0x09)) k++;
    let value: string | null = null;
    if (k < end && b[k] === 0x3d /* = */) {
      let vStart = k + 1;
      while (vStart < end && (b[vStart] === 0x20 || b[vStart] === 0x09)) vStart++;
      let vEnd: number;
      if (vStart < end && b[vStart] === 0x22) {
        vEnd = scanQuotedB(b, vStart, end);
        if (vEnd < 0) return undefined;
      } else {
        // gen-value: token, or host (IPv6 `received=[2001:db8::1]` or unbracketed, RFC 5118 §4.5)
        vEnd = vStart;
        while (vEnd < end && (TABLE[b[vEnd]!]! & GENVALUE) !== 0) vEnd++;
        if (vEnd === vStart) return undefined;
      }
      value = s.slice(vStart, vEnd);
      i = vEnd;
    } else {
      i = nameEnd;
    }
    if (out === undefined) out = [[name, value]];
    else if (out.length === 1) out = [out[0]!, [name, value]];
    else out.push([name, value]);
  }
  scanEnd = i;
  return out ?? [];
}
