/**
 * Ordered parameter lists (`;name=value;flag`) shared by URIs, name-addrs and Via.
 * Look-ups are case-insensitive (RFC 3261 §7.3.1: parameter names are case-insensitive); order
 * and original case are kept so a message round-trips.
 */
import type { Params } from './types';
import { GENVALUE, TOKEN, equalsIgnoreCase } from './chars';
import { knownParamAt, scanB, scanQuotedB, skipWspB } from './bytes';

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

/** The list scanned by the last scanGenericParams call (a fresh array each time). */
let scanned: Params = [];

/** The parameters found by the last scanGenericParams call; read it right after the call. */
export function scannedParams(): Params {
  return scanned;
}

/**
 * Scan `*( SEMI generic-param )` starting at offset i of s (b: its bytes, see bytes.ts), not past
 * `end` (RFC 3261 §25.1):
 *   generic-param = token [ EQUAL gen-value ];  gen-value = token / host / quoted-string
 * with LWS allowed around ";" and "=" (header folding has already become a single SP).
 * Stops before the first char that cannot continue the list (end, ",", ...). Returns the index
 * of that char, or -1 on a malformed parameter (empty name `;;`, `name=` with no value, an
 * unterminated quoted string). The list is left in scannedParams() (made with its first
 * element: an empty `[]` grown by push would reserve 17 slots).
 */
export function scanGenericParams(s: string, b: Uint8Array, i: number, end: number): number {
  let out: Params | undefined;
  for (;;) {
    const j = skipWspB(b, i, end);
    if (j >= end || b[j] !== 0x3b /* ; */) break;
    const nameStart = skipWspB(b, j + 1, end);
    const nameEnd = scanB(b, nameStart, TOKEN, end);
    if (nameEnd === nameStart) return -1;
    const name = knownParamAt(b, nameStart, nameEnd - nameStart) ?? s.slice(nameStart, nameEnd);
    const k = skipWspB(b, nameEnd, end);
    let value: string | null = null;
    if (k < end && b[k] === 0x3d /* = */) {
      const vStart = skipWspB(b, k + 1, end);
      let vEnd: number;
      if (vStart < end && b[vStart] === 0x22) {
        vEnd = scanQuotedB(b, vStart, end);
        if (vEnd < 0) return -1;
      } else {
        // gen-value: token, or host (IPv6 `received=[2001:db8::1]` or unbracketed, RFC 5118 §4.5)
        vEnd = scanB(b, vStart, GENVALUE, end);
        if (vEnd === vStart) return -1;
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
  scanned = out ?? [];
  return i;
}
