/**
 * RFC 4475 (49 messages) and RFC 5118 (12 messages) at the message layer: every manifest entry
 * is visited (none skipped); what is checked depends on its `expect`. The wire-level behaviour
 * (416, 420, 415, 406, 501, 401 answers, TCP closes) is tested where the UAS core lives; here we
 * assert the parse/validate outcome those answers rest on.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createResponse, formatNameAddr, formatUri, formatVia, getBranch, getCSeq, getCallId, getContacts, getFrom,
  getMaxForwards, getParam, getRecordRoutes, getRoutes, getTo, getTopVia, getVias, parseMessage, parseNameAddr,
  parseUri, parseVia, serialize, validateRequest, validateResponse,
  type SipMessage, type SipRequest,
} from '../../../../src/sip/message/index';
import { FIXTURES, checkSums, loadFixtures, type Fixture } from './fixtures';

const ALL: Fixture[] = [...loadFixtures('4475'), ...loadFixtures('5118')];

/**
 * Messages that do not yet behave as `expect` says: name -> why. Each is asserted to STILL fail,
 * so fixing one forces this table to be updated.
 */
const KNOWN_GAPS: Record<string, string> = {};

/** The reason our layer gives for each reject-400/505 message (parse error or validateRequest). */
const REJECT_REASONS: Record<string, { status: number; reason: string; stage: 'parse' | 'validate' }> = {
  badinv01: { status: 400, reason: 'Bad Via header', stage: 'validate' },
  clerr: { status: 400, reason: 'Content-Length exceeds body', stage: 'parse' },
  ncl: { status: 400, reason: 'Bad Content-Length', stage: 'parse' },
  scalar02: { status: 400, reason: 'Bad CSeq', stage: 'validate' },
  quotbal: { status: 400, reason: 'Bad To header', stage: 'validate' },
  ltgtruri: { status: 400, reason: 'Bad Request-URI', stage: 'parse' },
  lwsruri: { status: 400, reason: 'Bad Request-Line', stage: 'parse' },
  lwsstart: { status: 400, reason: 'Bad Request-Line', stage: 'parse' },
  trws: { status: 400, reason: 'Bad Request-Line', stage: 'parse' },
  escruri: { status: 400, reason: 'Bad Request-URI: headers not allowed', stage: 'validate' },
  regbadct: { status: 400, reason: 'Bad Contact header', stage: 'validate' },
  badaspec: { status: 400, reason: 'Bad To header', stage: 'validate' },
  baddn: { status: 400, reason: 'Bad To header', stage: 'validate' },
  badvers: { status: 505, reason: 'Version Not Supported', stage: 'validate' },
  mismatch01: { status: 400, reason: 'CSeq method does not match request method', stage: 'validate' },
  insuf: { status: 400, reason: 'Missing To header', stage: 'validate' },
  unksm2: { status: 400, reason: 'Bad To header: not a SIP URI', stage: 'validate' },
  multi01: { status: 400, reason: 'Multiple To headers', stage: 'validate' },
  mcl01: { status: 400, reason: 'Conflicting Content-Length headers', stage: 'parse' },
  'ipv6-bad': { status: 400, reason: 'Bad Request-URI', stage: 'parse' },
};

const APP_LEVEL = new Set(['reject-416', 'reject-420', 'reject-415', 'reject-406', 'reject-501']);
const ACCEPTING = new Set(['parse', 'accept', 'tolerate', 'see-note', 'challenge-401']);

function req(m: SipMessage): SipRequest {
  if (m.type !== 'request') throw new Error('expected a request');
  return m;
}

/** Semantic checks from security.md §1.2 (and RFC 5118's host/port expectations). */
const SEMANTICS: Record<string, (m: SipMessage, f: Fixture) => void> = {
  wsinv: (m) => {
    expect(getCSeq(m)).toEqual({ seq: 9, method: 'INVITE' });
    expect(getMaxForwards(m)).toBe(68);
    expect(m.headers.get('UnknownHeaderWithUnusualValue')).toBe(';;,,;;,;');
    expect(m.headers.get('NewFangledHeader')).toBe('newfangled value continued newfangled value');
    expect(m.headers.get('Subject')).toBe('');
    expect(getFrom(m)?.displayName).toBe('J Rosenberg \\"');
    expect(getTo(m)?.params).toEqual([['tag', '1918181833n']]);
    expect(getVias(m).map((v) => getParam(v.params, 'branch'))).toEqual(['390skdjuw', 'z9hG4bK9ikj8', 'z9hG4bK30239']);
    expect(getContacts(m)[0]?.params).toEqual([['newparam', 'newvalue'], ['secondparam', null], ['q', '0.33']]);
    expect(req(m).uri.params).toEqual([['unknownparam', null]]);
    expect(getRoutes(m)[0]?.uri.params).toEqual([['lr', null], ['unknownwith', 'value'], ['unknown-no-value', null]]);
  },
  intmeth: (m) => {
    expect(req(m).method).toBe("!interesting-Method0123456789_*+`.%indeed'~");
    expect(getCSeq(m)?.method).toBe(req(m).method);
    expect(req(m).uri.user).toBe("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
    expect(req(m).uri.password).toBe("&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
    expect(getTo(m)?.displayName).toBe('BEL:\x07 NUL:\x00 DEL:\x7f');
    expect(getBranch(m)).toBe("z9hG4bK-.!%66*_+`'~");
    expect(getCallId(m)).toBe('intmeth.word%ZK-!.*_+\'@word`~)(><:\\/"][?}{');
    // UTF-8 value EF BB BF E5 A4 A7 E5 81 9C E9 9B BB: BOM + 3 CJK chars.
    expect(m.headers.get("extensionHeader-!.%*+_`'~")).toBe(Buffer.from('efbbbfe5a4a7e5819ce99bbb', 'hex').toString('utf8'));
  },
  esc01: (m) => {
    expect(req(m).uri.user).toBe('sips:user@example.com');
    expect(req(m).uri.host).toBe('example.net');
    expect(getFrom(m)?.uri.user).toBe('I have spaces');
    expect(getTo(m)?.uri.user).toBe('user');
    const c = getContacts(m)[0]!;
    expect(c.uri.user).toBe('caller');
    expect(c.uri.params).toEqual([['lr', null], ['name', 'value%41']]); // unescaped once: not 'valueA'
  },
  escnull: (m) => {
    const users = getContacts(m).map((c) => c.uri.user);
    expect(users).toEqual(['\0', '\0\0']);
    expect(getTo(m)?.uri.user).toBe('null-\0-null');
  },
  esc02: (m) => {
    expect(req(m).method).toBe('RE%47IST%45R');
    expect(req(m).method).not.toBe('REGISTER');
    expect(getContacts(m)).toHaveLength(2);
    expect(m.headers.get('C%6Fntact')).toBe('<sip:alias2@host2.example.com>');
    expect(getTo(m)?.displayName).toBe('%Z%45');
  },
  lwsdisp: (m) => expect(getFrom(m)?.displayName).toBe('caller'),
  longreq: (m) => {
    expect(getVias(m).length).toBeGreaterThan(5);
    expect(getTo(m)?.displayName?.length).toBeGreaterThan(100);
  },
  dblreq: (m) => {
    expect(req(m).method).toBe('REGISTER');
    expect(m.body.length).toBe(0);
    expect(getCallId(m)).toBe('dblreq.0ha0isndaksdj99sdfafnl3lk233412');
    expect(serialize(m).includes('INVITE')).toBe(false);
  },
  semiuri: (m) => {
    expect(req(m).uri.user).toBe('user;par=u@example.net');
    expect(req(m).uri.host).toBe('example.com');
    expect(req(m).uri.params).toEqual([]);
  },
  transports: (m) => expect(getVias(m).map((v) => v.transport)).toEqual(['UDP', 'SCTP', 'TLS', 'UNKNOWN', 'TCP']),
  mpart01: (m, f) => {
    const start = f.bytes.indexOf('\r\n\r\n') + 4;
    expect(m.body.length).toBe(553);
    expect(m.body.equals(f.bytes.subarray(start, start + 553))).toBe(true);
    expect(m.body.includes(0)).toBe(true);
    const cr = [...m.body.entries()].some(([i, b]) => b === 0x0d && m.body[i + 1] !== 0x0a);
    expect(cr).toBe(true);
  },
  unreason: (m) => {
    if (m.type !== 'response') throw new Error('response expected');
    expect(m.status).toBe(200);
    expect(m.reason.startsWith('= 2**3 * 5**2 \u043d\u043e')).toBe(true);
  },
  noreason: (m) => {
    if (m.type !== 'response') throw new Error('response expected');
    expect(m.status).toBe(100);
    expect(m.reason).toBe('');
  },
  bcast: (m) => expect(getVias(m)[1]?.host).toBe('255.255.255.255'),
  badbranch: (m) => expect(getBranch(m)).toBe('z9hG4bK'),
  cparam01: (m) => {
    const c = getContacts(m)[0]!;
    expect(c.params).toEqual([['unknownparam', null]]);
    expect(c.uri.params).toEqual([]);
  },
  cparam02: (m) => {
    const c = getContacts(m)[0]!;
    expect(c.params).toEqual([]);
    expect(c.uri.params).toEqual([['unknownparam', null]]);
  },
  regescrt: (m) => expect(getContacts(m)[0]?.uri.headers).toEqual([['Route', '<sip:sip.example.com>']]),
  inv2543: (m) => {
    expect(getBranch(m)).toBeUndefined();
    expect(m.headers.has('Content-Length')).toBe(false);
    expect(m.body.toString('latin1').startsWith('v=0\r\n')).toBe(true);
    expect(getRecordRoutes(m)[0]?.uri.params).toEqual([['maddr', 'ss1.example.com']]);
  },
  zeromf: (m) => expect(getMaxForwards(m)).toBe(0),
  'ipv6-good': (m) => {
    expect(req(m).uri.host).toBe('2001:db8::10');
    expect(getTopVia(m)?.host).toBe('2001:db8::9:1');
    expect(getContacts(m)[0]?.uri.host).toBe('2001:db8::1');
  },
  'port-ambiguous': (m) => {
    expect(req(m).uri.host).toBe('2001:db8::10:5070');
    expect(req(m).uri.port).toBeUndefined();
  },
  'port-unambiguous': (m) => {
    expect(req(m).uri.host).toBe('2001:db8::10');
    expect(req(m).uri.port).toBe(5070);
  },
  'via-received-param-with-delim': (m) => {
    const v = getTopVia(m)!;
    expect(getParam(v.params, 'received')).toBe('[2001:db8::9:255]');
    expect(getParam(v.params, 'branch')).toBe('z9hG4bKas3-111');
  },
  'via-received-param-no-delim': (m) => {
    const v = getTopVia(m)!;
    expect(getParam(v.params, 'received')).toBe('2001:db8::9:255');
    expect(getParam(v.params, 'branch')).toBe('z9hG4bKas3');
  },
  'mult-ip-in-header': (m) => {
    const vias = getVias(m);
    expect(vias.map((v) => [v.host, v.port, v.transport])).toEqual([
      ['2001:db8::9:1', 6050, 'UDP'],
      ['192.0.2.1', undefined, 'UDP'],
      ['2001:db8::9:255', undefined, 'TCP'],
    ]);
    expect(getParam(vias[2]!.params, 'received')).toBe('192.0.2.200');
    expect(vias.every((v) => getParam(v.params, 'branch')?.startsWith('z9hG4bK'))).toBe(true);
  },
  'ipv4-mapped-ipv6': (m) => {
    expect(getVias(m).map((v) => [v.host, v.port])).toEqual([['::ffff:192.0.2.10', 19823], ['::ffff:192.0.2.2', undefined]]);
    expect(getContacts(m)[0]?.uri.host).toBe('::ffff:192.0.2.2');
  },
  'ipv6-bug-abnf-3-colons': (m) => {
    expect(req(m).uri.host).toBe('2001:db8::192.0.2.1');
    expect(getTo(m)?.uri.host).toBe('2001:db8::192.0.2.1');
  },
  'ipv6-correct-abnf-2-colons': (m) => expect(req(m).uri.host).toBe('2001:db8::192.0.2.1'),
  'ipv6-in-sdp': (m) => expect(m.body.toString('latin1')).toContain('IN IP6 2001:db8::20'),
  // The archive's body is 180 octets with LF endings (its Content-Length said 181).
  'mult-ip-in-sdp': (m) => expect(m.body.toString('latin1').split('\r\n').join('\n').length).toBe(180),
};

/** Everything we can compare structurally, excluding Content-Length (serialize recomputes it). */
function structure(m: SipMessage): unknown {
  return {
    start: m.type === 'request' ? [m.method, m.uri, m.version] : [m.version, m.status, m.reason],
    headers: m.headers.entries().filter(([n]) => !/^(content-length|l)$/i.test(n)),
    body: m.body.toString('hex'),
    vias: getVias(m),
    from: getFrom(m),
    to: getTo(m),
    contacts: getContacts(m),
    routes: getRoutes(m),
    recordRoutes: getRecordRoutes(m),
    cseq: getCSeq(m),
    callId: getCallId(m),
  };
}

/** parse(serialize(m)) equals m; and every typed view survives format -> parse. */
function assertRoundTrip(m: SipMessage): void {
  const wire = serialize(m);
  const again = parseMessage(wire);
  expect(again.ok).toBe(true);
  if (!again.ok) return;
  expect(structure(again.msg)).toEqual(structure(m));
  expect(serialize(again.msg).equals(wire)).toBe(true);
  if (m.type === 'request') expect(parseUri(formatUri(m.uri))).toEqual(m.uri);
  for (const v of getVias(m)) expect(parseVia(formatVia(v))).toEqual([v]);
  for (const n of [getFrom(m), getTo(m), ...getContacts(m), ...getRoutes(m), ...getRecordRoutes(m)]) {
    if (n) expect(parseNameAddr(formatNameAddr(n))).toEqual(n);
  }
}

/** What our layer does with a message, as one comparable outcome. */
function outcome(f: Fixture): string {
  const r = parseMessage(f.bytes);
  if (!r.ok) return `parse-fail:${r.status ?? '-'}:${r.error}`;
  if (r.msg.type === 'response') return validateResponse(r.msg) ? 'ok' : 'drop';
  const v = validateRequest(r.msg);
  return v ? `reject:${v.status}:${v.reason}` : 'ok';
}

describe('torture fixtures', () => {
  it('fixture bytes match SHA256SUMS', () => {
    expect(checkSums(resolve(FIXTURES, 'rfc4475'))).toEqual([]);
    expect(checkSums(resolve(FIXTURES, 'rfc5118'))).toEqual([]);
    expect(ALL.filter((f) => f.rfc === '4475')).toHaveLength(49);
    expect(ALL.filter((f) => f.rfc === '5118')).toHaveLength(12);
  });

  it('every message with a semantic check or known reject reason exists in a manifest', () => {
    const names = new Set(ALL.map((f) => f.name));
    for (const n of [...Object.keys(SEMANTICS), ...Object.keys(REJECT_REASONS), ...Object.keys(KNOWN_GAPS)]) {
      expect(names.has(n), n).toBe(true);
    }
  });

  for (const f of ALL) {
    const title = `RFC ${f.rfc} ${f.section} ${f.name} (${f.expect})`;
    if (KNOWN_GAPS[f.name]) {
      it(`${title} is a known gap: ${KNOWN_GAPS[f.name]}`, () => {
        expect(() => checkFixture(f)).toThrow();
      });
      continue;
    }
    it(title, () => checkFixture(f));
  }
});

function checkFixture(f: Fixture): void {
  const r = parseMessage(f.bytes);
  if (ACCEPTING.has(f.expect) || APP_LEVEL.has(f.expect)) {
    expect(r.ok, r.ok ? '' : r.error).toBe(true);
    if (!r.ok) return;
    // Nothing the message layer owns stops these; 416/420/415/406/501/401/483 are the UAS
    // core's answers (tested at the wire level).
    if (r.msg.type === 'request') expect(validateRequest(r.msg)).toBeUndefined();
    else expect(validateResponse(r.msg)).toBe(true);
    SEMANTICS[f.name]?.(r.msg, f);
    assertRoundTrip(r.msg);
    return;
  }
  if (f.expect === 'reject-400' || f.expect === 'reject-505') {
    const want = REJECT_REASONS[f.name];
    expect(want, `no expected reason recorded for ${f.name}`).toBeDefined();
    expect(outcome(f)).toBe(
      want!.stage === 'parse' ? `parse-fail:${want!.status}:${want!.reason}` : `reject:${want!.status}:${want!.reason}`,
    );
    // Whatever the stage, the request can be answered: Via, From, To, Call-ID, CSeq copied.
    const request = r.ok ? req(r.msg) : r.answerable;
    expect(request).toBeDefined();
    const res = createResponse(request!, want!.status, want!.reason, { toTag: 'x1' });
    expect(res.headers.getAll('via')).toEqual(request!.headers.getAll('via'));
    expect(res.headers.get('call-id')).toBe(request!.headers.get('call-id'));
    expect(res.headers.get('cseq')).toBe(request!.headers.get('cseq'));
    const back = parseMessage(serialize(res));
    expect(back.ok).toBe(true);
    if (r.ok) assertRoundTrip(r.msg);
    return;
  }
  if (f.expect === 'drop') {
    expect(r.ok && r.msg.type === 'response' && validateResponse(r.msg)).toBe(false);
    if (r.ok) {
      expect(r.msg.type).toBe('response');
      SEMANTICS[f.name]?.(r.msg, f);
    } else {
      expect(r.status).toBeUndefined(); // never answer a response
    }
    return;
  }
  throw new Error(`unhandled expect '${f.expect}' for ${f.name}`);
}
