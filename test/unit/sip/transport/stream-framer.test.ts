import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { contentLengthOf, StreamFramer, type FramerOutput } from '../../../../src/sip/transport/stream-framer';

const FIX = resolve(__dirname, '../../../../../shared/fixtures/rfc4475');
const fixture = (name: string) => readFileSync(resolve(FIX, `${name}.dat`));

function msg(body = '', extra = ''): Buffer {
  const b = Buffer.from(body);
  return Buffer.concat([
    Buffer.from(
      `OPTIONS sip:a@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1;branch=z9hG4bKx\r\nCall-ID: c\r\n${extra}Content-Length: ${b.length}\r\n\r\n`,
    ),
    b,
  ]);
}

/** Buffer lists compared with Buffer.equals (vitest's deep equality is slow on large Buffers). */
function expectBuffers(actual: Buffer[], expected: Buffer[]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((b, i) => expect(b.equals(expected[i]!)).toBe(true));
}

const kinds = (out: FramerOutput[]) => out.map((o) => o.kind);
const messages = (out: FramerOutput[]) => out.filter((o) => o.kind === 'message').map((o) => (o as { data: Buffer }).data);

describe('StreamFramer (RFC 3261 §18.3 Content-Length framing)', () => {
  it('frames one message delivered in one chunk', () => {
    const m = msg('hello');
    const f = new StreamFramer(65536);
    const out = f.push(m);
    expect(messages(out)).toEqual([m]);
    expect(f.pendingBytes).toBe(0);
  });

  it('frames the same message split at every byte position', () => {
    const m = msg('v=0\r\n\r\nbody with CRLFCRLF inside');
    for (let cut = 1; cut < m.length; cut++) {
      const f = new StreamFramer(65536);
      const a = f.push(m.subarray(0, cut));
      const b = f.push(m.subarray(cut));
      expectBuffers(messages([...a, ...b]), [m]);
    }
  });

  it('frames a byte-at-a-time stream of three concatenated messages', () => {
    const all = Buffer.concat([msg('a'), msg(''), msg('ccc')]);
    const f = new StreamFramer(65536);
    const out: FramerOutput[] = [];
    for (const byte of all) out.push(...f.push(Buffer.from([byte])));
    expect(messages(out).map((b) => b.toString())).toEqual([msg('a'), msg(''), msg('ccc')].map((b) => b.toString()));
  });

  it('splits concatenated messages delivered in one chunk', () => {
    const f = new StreamFramer(65536);
    const out = f.push(Buffer.concat([msg('x'), msg('yy'), msg('zzz').subarray(0, 10)]));
    expect(messages(out)).toHaveLength(2);
    expect(f.midMessage).toBe(true);
    expect(messages(f.push(msg('zzz').subarray(10)))).toEqual([msg('zzz')]);
  });

  it('counts body bytes, never decodes them (mpart01: NUL and bare CR in the body)', () => {
    const m = fixture('mpart01');
    const f = new StreamFramer(65536);
    const out = f.push(Buffer.concat([m, msg('next')]));
    expect(messages(out)).toEqual([m, msg('next')]);
  });

  it('multi-byte UTF-8 body: Content-Length counts bytes', () => {
    const m = msg('héllo wörld ☎');
    const f = new StreamFramer(65536);
    expect(messages(f.push(m))).toEqual([m]);
  });

  it('RFC 5626 §3.5.1: CRLFCRLF between messages is a ping; a lone CRLF is not', () => {
    const f = new StreamFramer(65536);
    expect(kinds(f.push(Buffer.from('\r\n\r\n')))).toEqual(['ping']);
    expect(kinds(f.push(Buffer.from('\r\n')))).toEqual([]);
    expect(kinds(f.push(Buffer.from('\r\n')))).toEqual(['ping']); // completes CRLFCRLF across chunks
    expect(kinds(f.push(Buffer.from('\r')))).toEqual([]);
    expect(kinds(f.push(Buffer.from('\n\r\n')))).toEqual(['ping']);
    expect(kinds(f.push(Buffer.concat([Buffer.from('\r\n\r\n\r\n\r\n'), msg('a'), Buffer.from('\r\n\r\n')])))).toEqual([
      'ping',
      'ping',
      'message',
      'ping',
    ]);
    expect(f.pendingBytes).toBe(0);
  });

  it('a CRLF before a start line is skipped (§7.5) without a ping', () => {
    const f = new StreamFramer(65536);
    expect(kinds(f.push(Buffer.concat([Buffer.from('\r\n'), msg('a')])))).toEqual(['message']);
  });

  it.each([
    ['missing', msg('').toString().replace('Content-Length: 0\r\n', ''), 'missing Content-Length'],
    ['negative (ncl)', fixture('ncl').toString('latin1'), 'bad Content-Length'],
    ['non-numeric', msg('').toString().replace('Content-Length: 0', 'Content-Length: five'), 'bad Content-Length'],
    ['signed', msg('').toString().replace('Content-Length: 0', 'Content-Length: +0'), 'bad Content-Length'],
    ['conflicting (mcl01)', fixture('mcl01').toString('latin1'), 'conflicting Content-Length'],
  ])('framing lost on %s Content-Length: error with the header section, then nothing', (_n, text, reason) => {
    const f = new StreamFramer(65536);
    const out = f.push(Buffer.from(text, 'latin1'));
    expect(out).toHaveLength(1);
    const e = out[0]!;
    expect(e.kind).toBe('error');
    if (e.kind !== 'error') return;
    expect(e.reason).toContain(reason);
    expect(e.head.toString('latin1').endsWith('\r\n\r\n')).toBe(true);
    expect(f.push(msg('after'))).toEqual([]);
  });

  it('equal duplicate Content-Length values and the compact form are accepted', () => {
    const f = new StreamFramer(65536);
    const body = 'abc';
    const text = `MESSAGE sip:a@b SIP/2.0\r\nl: 3\r\nContent-Length:   3 \r\n\r\n${body}`;
    expect(messages(f.push(Buffer.from(text)))).toHaveLength(1);
  });

  it('clerr: a Content-Length larger than the bytes sent just waits (the owner times out)', () => {
    const f = new StreamFramer(65536);
    expect(f.push(fixture('clerr'))).toEqual([]);
    expect(f.midMessage).toBe(true);
  });

  it('max message size: an endless header section and an oversized Content-Length are errors', () => {
    const f = new StreamFramer(1024);
    const out = f.push(Buffer.from('OPTIONS sip:a@b SIP/2.0\r\n' + 'X-Long: ' + 'a'.repeat(2000) + '\r\n'));
    expect(out.map((o) => o.kind === 'error' && o.oversize)).toEqual([true]);

    const g = new StreamFramer(1024);
    const out2 = g.push(Buffer.from('OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 5000\r\n\r\n'));
    expect(out2.map((o) => o.kind === 'error' && o.oversize)).toEqual([true]);

    const h = new StreamFramer(1024);
    expect(messages(h.push(msg('x'.repeat(800))))).toHaveLength(1);
  });

  it('finds the header end efficiently when it arrives in many small chunks', () => {
    const m = msg('z', 'X-Pad: ' + 'p'.repeat(30_000) + '\r\n');
    const f = new StreamFramer(65536);
    const started = performance.now();
    const out: FramerOutput[] = [];
    for (let i = 0; i < m.length; i += 1) out.push(...f.push(m.subarray(i, i + 1)));
    expectBuffers(messages(out), [m]);
    // Linear, not quadratic, in the bytes buffered (a 1-byte-per-segment sender must stay cheap).
    expect(performance.now() - started).toBeLessThan(1500);
  });
});

describe('StreamFramer.pull: bounded framing per call (TCP fairness)', () => {
  it('frames at most maxOutputs per pull, in order, and says whether more is buffered', () => {
    const all = Array.from({ length: 10 }, (_, i) => msg(`m${i}`));
    const f = new StreamFramer(65536);
    f.feed(Buffer.concat(all));
    const got: Buffer[] = [];
    const sizes: number[] = [];
    for (let turn = 0; turn < 20; turn++) {
      const out = f.pull(3, Infinity);
      sizes.push(out.length);
      got.push(...messages(out));
      if (!f.hasMore) break;
    }
    expect(sizes).toEqual([3, 3, 3, 1]);
    expectBuffers(got, all);
    expect(f.pendingBytes).toBe(0);
  });

  it('stops once the messages framed reach maxBytes (at least one message per pull)', () => {
    const big = Array.from({ length: 4 }, (_, i) => msg(String(i).repeat(1000)));
    const f = new StreamFramer(65536);
    f.feed(Buffer.concat(big));
    expect(messages(f.pull(100, 1))).toHaveLength(1);
    expect(f.hasMore).toBe(true);
    expect(messages(f.pull(100, big[0]!.length + 1))).toHaveLength(2);
    expect(f.hasMore).toBe(true);
    expect(messages(f.pull(100, Infinity))).toHaveLength(1);
    expect(f.hasMore).toBe(false);
  });

  it('a partial message left over is not "more": pull waits for its bytes', () => {
    const a = msg('a');
    const b = msg('bb');
    const f = new StreamFramer(65536);
    f.feed(Buffer.concat([a, b.subarray(0, 10)]));
    expectBuffers(messages(f.pull(1, Infinity)), [a]);
    // It stopped at the limit with bytes buffered, so it cannot know yet: another pull finds
    // only the partial message and reports no more.
    expect(f.pull(1, Infinity)).toEqual([]);
    expect(f.hasMore).toBe(false);
    f.feed(b.subarray(10));
    expectBuffers(messages(f.pull(1, Infinity)), [b]);
    expect(f.hasMore).toBe(false);
  });
});

describe('contentLengthOf', () => {
  it.each([
    ['Content-Length: 12', 12],
    ['content-length:0', 0],
    ['CONTENT-LENGTH : 7', 7],
    ['l: 5', 5],
    ['L:5', 5],
    ['Content-Length: 99999999999', 'bad'],
    ['Content-Length:', 'bad'],
    ['Content-Length: 1 2', 'bad'],
    ['X-Content-Length: 3', 'missing'],
    ['Content-Lengthy: 3', 'missing'],
  ])('%s', (line, expected) => {
    const head = Buffer.from(`INVITE sip:a@b SIP/2.0\r\n${line}\r\n\r\n`);
    const v = contentLengthOf(head);
    if (typeof expected === 'number') expect(v).toBe(expected);
    else expect(String(v)).toContain(expected);
  });

  it('a folded Content-Length value is read across the fold', () => {
    expect(contentLengthOf(Buffer.from('INVITE sip:a@b SIP/2.0\r\nContent-Length:\r\n  42\r\n\r\n'))).toBe(42);
  });
});
