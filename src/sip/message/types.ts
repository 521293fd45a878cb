/**
 * The SIP message model shared by every part of src/sip/ (and, through SipStack, by the sofia
 * endpoint). This file is the contract; parser.ts, serializer.ts, headers.ts, uri.ts and
 * accessors.ts implement it.
 *
 * Principles:
 * - Headers are kept as an ordered list of raw (name, value) lines so a message round-trips and
 *   unknown headers are kept verbatim. Typed views (Via, CSeq, NameAddr ...) are parsed on demand
 *   by the accessors and may be cached.
 * - Bodies are bytes (Buffer). Content-Length counts bytes.
 * - Parameter lists keep their order and their original case; look-ups are case-insensitive.
 */

/** Ordered parameters: `;name=value` or `;name` (value null). Values are as on the wire, unquoted
 * only where the grammar says so (e.g. a quoted-string param keeps its quotes). */
export type Params = Array<[name: string, value: string | null]>;

export interface SipUri {
  /** Lower-case scheme: 'sip', 'sips', 'tel', or any other absoluteURI scheme. */
  scheme: string;
  /** userinfo user part, %-unescaped exactly once (sip/sips); the number for tel. */
  user?: string;
  password?: string;
  /** Host, lower-cased for names; an IPv6 reference WITHOUT the brackets. '' for non-sip schemes. */
  host: string;
  port?: number;
  /** uri-parameters (`;transport=tcp;lr`). Values are unescaped exactly once. */
  params: Params;
  /** `?name=value&...` headers, unescaped. Never turned into real headers by the stack. */
  headers: Params;
  /** For schemes other than sip/sips/tel: everything after 'scheme:' verbatim. */
  opaque?: string;
}

/** name-addr or addr-spec plus header params: From, To, Contact, Route, Record-Route, ... */
export interface NameAddr {
  /** Display name without surrounding quotes, with \-escapes resolved. */
  displayName?: string;
  uri: SipUri;
  params: Params;
  /** Contact: `*` */
  wildcard?: boolean;
}

export interface Via {
  /** 'SIP/2.0' */
  protocol: string;
  /** Upper-case transport: 'UDP', 'TCP', 'TLS', 'SCTP', 'WS', ... */
  transport: string;
  /** sent-by host, IPv6 without brackets. */
  host: string;
  port?: number;
  /** branch, received, rport (value null when present without value), maddr, ttl, ... */
  params: Params;
}

export interface CSeq {
  seq: number;
  method: string;
}

/** An ordered, case-insensitive, compact-form-aware header list. See headers.ts. */
export interface SipHeaders {
  /** First value for the header (compact and long names are the same header). */
  get(name: string): string | undefined;
  /** Every header line's value for this name, in order (a line is NOT split on commas). */
  getAll(name: string): string[];
  has(name: string): boolean;
  /** Replace every line of this header with one line. */
  set(name: string, value: string): void;
  /** Add a line at the end. */
  append(name: string, value: string): void;
  /** Add a line before the first line of this header (or at the top if absent): used for Via. */
  prepend(name: string, value: string): void;
  /** Remove every line of this header. */
  delete(name: string): void;
  /** Remove only the first line (value) of this header: used to pop the top Via. */
  deleteFirst(name: string): void;
  /** All lines in wire order, names as they were written (or as set). */
  entries(): Array<[name: string, value: string]>;
  clone(): SipHeaders;
}

interface MessageBase {
  /** 'SIP/2.0' */
  version: string;
  headers: SipHeaders;
  body: Buffer;
}

export interface SipRequest extends MessageBase {
  type: 'request';
  /** Case-sensitive method token as received (RFC 3261 §7.1). */
  method: string;
  uri: SipUri;
}

export interface SipResponse extends MessageBase {
  type: 'response';
  status: number;
  reason: string;
}

export type SipMessage = SipRequest | SipResponse;

/**
 * Result of parsing one message. A failed parse says why, and, when enough of a request was read
 * to answer it (start line + Via + From/To/Call-ID/CSeq as available), carries `answerable` so the
 * transport/stack can send a 400 (or 505 / 416 ...) with a reason phrase that says what was wrong.
 */
export type ParseResult =
  | { ok: true; msg: SipMessage }
  | { ok: false; error: string; status?: number; answerable?: SipRequest };
