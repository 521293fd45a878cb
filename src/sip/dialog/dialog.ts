/**
 * Dialog state (RFC 3261 §12): the peer-to-peer relationship an INVITE (or its 1xx-with-tag /
 * 2xx) creates, and the rules for requests inside it.
 *
 *   dialog id       = Call-ID + local tag + remote tag                         (§12)
 *   UAS (§12.1.1)   route set = Record-Route of the request, in order
 *                   remote target = Contact of the request; remote seq = its CSeq; local seq empty
 *   UAC (§12.1.2)   route set = Record-Route of the response, REVERSED
 *                   remote target = Contact of the response; local seq = the request's CSeq
 *   2xx on early    early -> confirmed; the UAC recomputes the route set from the 2xx (§13.2.2.4)
 *   target refresh  re-INVITE / UPDATE (and their 2xx) replace the remote target (§12.2)
 *
 *   Request in a dialog (§12.2.1.1):
 *     route set empty            R-URI = remote target,   no Route
 *     first route has ;lr        R-URI = remote target,   Route = route set            (loose)
 *     first route without ;lr    R-URI = first route URI, Route = rest + <remote target> (strict,
 *                                                                                      §16.12 compat)
 *     CSeq = local seq + 1 (ACK and CANCEL reuse the INVITE's number, §13.2.2.4, §9.1)
 *
 *   Request received in a dialog (§12.2.2): a CSeq lower than (or equal to) the remote seq is out
 *   of order (500); ACK and CANCEL are exempt.
 *
 * Pure state: no I/O, no timers. The transaction layer sends what this builds.
 */
import { StrowgerError } from '../../util/errors';
import {
  cloneUri,
  createRequest,
  formatNameAddr,
  formatUri,
  getCallId,
  getContacts,
  getCSeq,
  getFrom,
  getFromTag,
  getRecordRoutes,
  getTo,
  getToTag,
  hasParam,
} from '../message';
import type { NameAddr, SipMessage, SipRequest, SipResponse, SipUri } from '../message/types';

export type DialogState = 'early' | 'confirmed' | 'terminated';
export type DialogRole = 'uac' | 'uas';

/** `callId \n localTag \n remoteTag`: the table key (§12). */
export function dialogKey(callId: string, localTag: string, remoteTag: string): string {
  return callId + '\n' + localTag + '\n' + remoteTag;
}

/** Key of the dialog an incoming request belongs to: local tag = To tag, remote tag = From tag. */
export function requestDialogKey(req: SipRequest): string | undefined {
  const callId = getCallId(req);
  const toTag = getToTag(req);
  const fromTag = getFromTag(req);
  if (callId === undefined || toTag === undefined) return undefined;
  return dialogKey(callId, toTag, fromTag ?? '');
}

/** Key of the dialog a response to our request belongs to: local tag = From tag, remote = To tag. */
export function responseDialogKey(res: SipResponse): string | undefined {
  const callId = getCallId(res);
  const toTag = getToTag(res);
  const fromTag = getFromTag(res);
  if (callId === undefined || toTag === undefined || fromTag === undefined) return undefined;
  return dialogKey(callId, fromTag, toTag);
}

export interface DialogRequestOptions {
  headers?: Array<[string, string]>;
  body?: Buffer;
  /** Explicit CSeq number (ACK/CANCEL). Otherwise local seq + 1 for methods other than ACK/CANCEL. */
  cseq?: number;
}

/** A name-addr header value without its tag, kept as parsed (From/To of the dialog). */
function withoutTag(n: NameAddr): NameAddr {
  return { ...n, uri: cloneUri(n.uri), params: n.params.filter(([k]) => k.toLowerCase() !== 'tag') };
}

function withTag(n: NameAddr, tag: string): string {
  return formatNameAddr({ ...n, params: [...n.params, ['tag', tag]] });
}

function firstContactUri(msg: SipMessage): SipUri | undefined {
  const c = getContacts(msg)[0];
  return c && !c.wildcard ? c.uri : undefined;
}

/** A URI usable as a Request-URI: uri-headers and `method` are not allowed there (§19.1.1). */
function requestUriFrom(uri: SipUri): SipUri {
  const u = cloneUri(uri);
  u.headers = [];
  u.params = u.params.filter(([k]) => k.toLowerCase() !== 'method');
  return u;
}

export class Dialog {
  state: DialogState;
  /** Next CSeq we use = localSeq + 1. Undefined until we send our first request (UAS). */
  localSeq: number | undefined;
  /** Highest CSeq received from the peer (undefined until the first request, UAC). */
  remoteSeq: number | undefined;
  remoteTarget: SipUri;
  /** Route set in the order Route headers are written (§12.1.1 / §12.1.2). */
  routeSet: NameAddr[];
  /** Our Contact header value (the peer's remote target for us). */
  localContact: string;
  /** sips Request-URI (§12.1.1): requests in the dialog must stay on TLS. */
  readonly secure: boolean;

  private constructor(
    readonly role: DialogRole,
    readonly callId: string,
    readonly localTag: string,
    readonly remoteTag: string,
    readonly localUri: NameAddr,
    readonly remoteUri: NameAddr,
    init: {
      state: DialogState;
      localSeq?: number;
      remoteSeq?: number;
      remoteTarget: SipUri;
      routeSet: NameAddr[];
      localContact: string;
      secure: boolean;
    },
  ) {
    this.secure = init.secure;
    this.state = init.state;
    this.localSeq = init.localSeq;
    this.remoteSeq = init.remoteSeq;
    this.remoteTarget = init.remoteTarget;
    this.routeSet = init.routeSet;
    this.localContact = init.localContact;
  }

  get key(): string {
    return dialogKey(this.callId, this.localTag, this.remoteTag);
  }

  /**
   * §12.1.1: the dialog a UAS creates when it sends a 1xx (with tag) or 2xx to `req`.
   * Throws SIP_TRANSACTION when the request lacks what a dialog needs (Call-ID, From, To, Contact).
   */
  static asUas(req: SipRequest, localTag: string, localContact: string, state: DialogState = 'early'): Dialog {
    const callId = getCallId(req);
    const from = getFrom(req);
    const to = getTo(req);
    const cseq = getCSeq(req);
    const target = firstContactUri(req);
    if (callId === undefined || !from || !to || !cseq || !target) {
      throw new StrowgerError('SIP_TRANSACTION', 'request cannot create a dialog (Call-ID, From, To, CSeq and Contact needed)');
    }
    return new Dialog('uas', callId, localTag, getFromTag(req) ?? '', withoutTag(to), withoutTag(from), {
      state,
      remoteSeq: cseq.seq,
      remoteTarget: target,
      routeSet: getRecordRoutes(req).slice(),
      localContact,
      secure: req.uri.scheme === 'sips',
    });
  }

  /**
   * §12.1.2: the dialog a UAC creates from a 1xx (with To tag) or 2xx to its request. Undefined
   * when the response cannot create one (no To tag; a 2xx without Contact is still accepted with
   * the Request-URI as target, as many UAs forget Contact in 1xx).
   */
  static asUac(req: SipRequest, res: SipResponse, localContact: string): Dialog | undefined {
    const callId = getCallId(req);
    const from = getFrom(req);
    const to = getTo(res);
    const localTag = getFromTag(req);
    const remoteTag = getToTag(res);
    const cseq = getCSeq(req);
    if (callId === undefined || !from || !to || localTag === undefined || remoteTag === undefined || !cseq) return undefined;
    const state: DialogState = res.status >= 200 && res.status < 300 ? 'confirmed' : 'early';
    return new Dialog('uac', callId, localTag, remoteTag, withoutTag(from), withoutTag(to), {
      state,
      localSeq: cseq.seq,
      remoteTarget: firstContactUri(res) ?? requestUriFrom(req.uri),
      routeSet: getRecordRoutes(res).slice().reverse(),
      localContact,
      secure: req.uri.scheme === 'sips',
    });
  }

  /** From/To of requests we send (with tags). */
  get localHeader(): string {
    return withTag(this.localUri, this.localTag);
  }
  get remoteHeader(): string {
    return this.remoteTag ? withTag(this.remoteUri, this.remoteTag) : formatNameAddr(this.remoteUri);
  }

  /**
   * §13.2.2.4 / §12.2.1.2: a 2xx confirms the dialog; the UAC recomputes the route set from it and
   * takes its Contact as remote target.
   */
  confirm(res?: SipResponse): void {
    if (this.state === 'terminated') return;
    if (res && this.role === 'uac') {
      this.routeSet = getRecordRoutes(res).slice().reverse();
      const t = firstContactUri(res);
      if (t) this.remoteTarget = t;
    }
    this.state = 'confirmed';
  }

  /** §12.2: a target refresh request (re-INVITE, UPDATE) or its 2xx replaces the remote target. */
  refreshTarget(msg: SipMessage): void {
    const t = firstContactUri(msg);
    if (t) this.remoteTarget = t;
  }

  terminate(): void {
    this.state = 'terminated';
  }

  /**
   * §12.2.2: check and record the CSeq of a request received in this dialog. Returns false when it
   * is out of order (lower than or equal to the last one): the UAS answers 500. ACK and CANCEL
   * carry the INVITE's number and are not checked.
   */
  acceptRemoteCSeq(req: SipRequest): boolean {
    if (req.method === 'ACK' || req.method === 'CANCEL') return true;
    const c = getCSeq(req);
    if (!c) return false;
    if (this.remoteSeq !== undefined && c.seq <= this.remoteSeq) return false;
    this.remoteSeq = c.seq;
    return true;
  }

  /** The next CSeq number for a new request (§12.2.1.1: one higher than the last, any start). */
  nextCSeq(): number {
    this.localSeq = (this.localSeq ?? Math.floor(Math.random() * 10_000)) + 1;
    return this.localSeq;
  }

  /** Request-URI and Route headers for a request in this dialog (§12.2.1.1, §16.12 strict routing). */
  routing(): { uri: SipUri; routes: string[] } {
    const rs = this.routeSet;
    if (rs.length === 0) return { uri: requestUriFrom(this.remoteTarget), routes: [] };
    if (hasParam(rs[0]!.uri.params, 'lr')) return { uri: requestUriFrom(this.remoteTarget), routes: rs.map(formatNameAddr) };
    // Strict router first: it gets the R-URI; the remote target travels as the last Route.
    const routes = rs.slice(1).map(formatNameAddr);
    routes.push('<' + formatUri(this.remoteTarget) + '>');
    return { uri: requestUriFrom(rs[0]!.uri), routes };
  }

  /**
   * The URI the request goes to at the transport level (RFC 3261 §8.1.2, §12.2.1.1): the first
   * Route when there is one (loose or strict), else the remote target.
   */
  nextHopUri(): SipUri {
    return this.routeSet.length > 0 ? this.routeSet[0]!.uri : this.remoteTarget;
  }

  /**
   * Build a request inside this dialog (§12.2.1.1). No Via: the stack adds it with a fresh branch.
   * Contact is added for target-refresh methods (INVITE, UPDATE) and for any method when asked.
   */
  createRequest(method: string, opts: DialogRequestOptions = {}): SipRequest {
    if (this.state === 'terminated' && method !== 'ACK') {
      throw new StrowgerError('SIP_TRANSACTION', `cannot send ${method} in a terminated dialog`);
    }
    const seq = opts.cseq ?? (method === 'ACK' || method === 'CANCEL' ? this.localSeq ?? 1 : this.nextCSeq());
    const { uri, routes } = this.routing();
    const headers: Array<[string, string]> = [];
    for (const r of routes) headers.push(['Route', r]);
    headers.push(['Max-Forwards', '70']);
    headers.push(['From', this.localHeader]);
    headers.push(['To', this.remoteHeader]);
    headers.push(['Call-ID', this.callId]);
    headers.push(['CSeq', `${seq} ${method}`]);
    if (method === 'INVITE' || method === 'UPDATE' || method === 'SUBSCRIBE' || method === 'REFER' || method === 'NOTIFY') {
      headers.push(['Contact', this.localContact]);
    }
    if (opts.headers) for (const h of opts.headers) headers.push(h);
    return createRequest({ method, uri, headers, body: opts.body });
  }

  /** The ACK for a 2xx to the INVITE with CSeq `inviteSeq` (§13.2.2.4): same number, new branch. */
  createAck(inviteSeq: number, opts: Omit<DialogRequestOptions, 'cseq'> = {}): SipRequest {
    return this.createRequest('ACK', { ...opts, cseq: inviteSeq });
  }
}
