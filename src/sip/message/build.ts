/**
 * Builders for requests and responses.
 *
 * createResponse follows RFC 3261 §8.2.6.2: the response copies every Via (in order), From,
 * To, Call-ID and CSeq from the request; the UAS adds a To tag when the request's To has none;
 * a 100 Trying copies Timestamp (§8.2.6.1). Content-Length is written by serialize().
 */
import type { SipRequest, SipResponse, SipUri } from './types';
import { StrowgerError } from '../../util/errors';
import { Headers } from './headers';
import { parseNameAddr } from './name-addr';
import { hasParam } from './params';
import { reasonPhrase } from './status';
import { parseUri } from './uri';

export interface CreateRequestOptions {
  /** Method token, case-sensitive (RFC 3261 §7.1). */
  method: string;
  /** Request-URI; a string is parsed and must be valid. */
  uri: SipUri | string;
  /** Header lines in order. Content-Length is computed by serialize(). */
  headers?: Array<[string, string]>;
  body?: Buffer;
}

export function createRequest(opts: CreateRequestOptions): SipRequest {
  let uri: SipUri | undefined;
  if (typeof opts.uri === 'string') {
    uri = parseUri(opts.uri);
    if (!uri) throw new StrowgerError('SIP_PARSE', `invalid Request-URI: ${opts.uri}`);
  } else {
    uri = opts.uri;
  }
  return {
    type: 'request',
    method: opts.method,
    uri,
    version: 'SIP/2.0',
    headers: new Headers(opts.headers ?? []),
    body: opts.body ?? Buffer.alloc(0),
  };
}

export interface CreateResponseOptions {
  /** Added to To when the request's To carries no tag (RFC 3261 §8.2.6.2). */
  toTag?: string;
  /** Extra header lines, after the copied ones. */
  headers?: Array<[string, string]>;
  body?: Buffer;
}

export function createResponse(req: SipRequest, status: number, reason?: string, opts?: CreateResponseOptions): SipResponse {
  const src = req.headers;
  const h = new Headers();
  for (const v of src.getAll('via')) h.append('Via', v);
  const from = src.get('from');
  if (from !== undefined) h.append('From', from);
  let to = src.get('to');
  if (to !== undefined) {
    if (opts?.toTag !== undefined) {
      const parsed = parseNameAddr(to);
      if (!parsed || !hasParam(parsed.params, 'tag')) to = to + ';tag=' + opts.toTag;
    }
    h.append('To', to);
  }
  const callId = src.get('call-id');
  if (callId !== undefined) h.append('Call-ID', callId);
  const cseq = src.get('cseq');
  if (cseq !== undefined) h.append('CSeq', cseq);
  if (status === 100) {
    const ts = src.get('timestamp');
    if (ts !== undefined) h.append('Timestamp', ts);
  }
  if (opts?.headers) for (const [n, v] of opts.headers) h.append(n, v);
  return {
    type: 'response',
    version: 'SIP/2.0',
    status,
    reason: reason ?? reasonPhrase(status),
    headers: h,
    body: opts?.body ?? Buffer.alloc(0),
  };
}
