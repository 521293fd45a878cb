/**
 * The destination part of `sofia/<profile>/<dest>` (freeswitch-behaviour.md §6.2):
 *
 *   sip:... / sips:...   used verbatim (sips is refused: no TLS yet)
 *   user@host[:port]     -> sip:user@host[:port]
 *   user%domain          -> registered contacts of user@domain
 *   user                 -> registered contacts of user in the profile's domain
 *
 * A contact from the location service may carry FreeSWITCH's NAT hints `fs_nat=yes` and
 * `fs_path=<sip:ip:port>` (URL-encoded): the request goes to fs_path, the Request-URI keeps the
 * contact without those parameters. Hosts must be IP literals (there is no resolver here).
 */
import { deleteParam, formatUri, getParam, parseUri, type SendTarget, type SipUri } from '../../sip';
import { targetForUri } from '../../sip/dialog';
import type { HangupCause } from '../../core';

export type ParsedDest =
  | { uri: SipUri; toUri: string; target: SendTarget | undefined }
  | { lookup: { user: string; domain?: string } }
  | { cause: HangupCause };

const MAX_DEST = 1024;

export function parseSofiaDest(dest: string): ParsedDest {
  const d = dest.trim();
  if (d.length === 0 || d.length > MAX_DEST) return { cause: 'INVALID_URL' };
  const lower = d.slice(0, 5).toLowerCase();
  let text: string;
  if (lower.startsWith('sip:') || lower.startsWith('sips:')) text = d;
  else if (d.includes('@')) text = 'sip:' + d;
  else {
    const pct = d.indexOf('%');
    if (pct > 0) return { lookup: { user: d.slice(0, pct), domain: d.slice(pct + 1) || undefined } };
    return { lookup: { user: d } };
  }
  const uri = parseUri(text);
  if (!uri || (uri.scheme !== 'sip' && uri.scheme !== 'sips')) return { cause: 'INVALID_URL' };
  if (uri.scheme === 'sips') return { cause: 'DESTINATION_OUT_OF_ORDER' };
  const pathText = getParam(uri.params, 'fs_path');
  deleteParam(uri.params, 'fs_path');
  deleteParam(uri.params, 'fs_nat');
  let override: SendTarget | undefined;
  if (typeof pathText === 'string' && pathText.length > 0) {
    const inner = pathText.startsWith('<') && pathText.endsWith('>') ? pathText.slice(1, -1) : pathText;
    const path = parseUri(inner);
    if (path) override = targetForUri(path);
  }
  const toUri = formatUri({ ...uri, params: [], headers: [] });
  return { uri, toUri, target: override ?? targetForUri(uri) };
}
