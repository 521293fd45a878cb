/**
 * Test doubles for the core: a scriptable endpoint, a recording driver and media handle, a table
 * dialplan. Timing goes through the core's FakeClock.
 */
import { FakeClock } from '../../../src/util/clock';
import type { CodecDescription } from '../../../src/codec/types';
import {
  Core,
  type Channel,
  type ChannelDriver,
  type CoreOptions,
  type DialplanAction,
  type DialplanProvider,
  type Endpoint,
  type HangupCause,
  type L16Source,
  type MediaHandle,
  type MediaLink,
  type OriginateOutcome,
  type OriginateRequest,
} from '../../../src/core';

export const PCMU: CodecDescription = { name: 'PCMU', staticPt: 0, clockRate: 8000, sampleRate: 8000, channels: 1, ptime: 20 };

export class FakeMedia implements MediaHandle {
  bridges: FakeMedia[] = [];
  openLinks = 0;
  echoes = 0;
  frames: { pcm: Int16Array; rate: number }[] = [];
  constructor(
    readonly label: string,
    public codec: CodecDescription | undefined = PCMU,
  ) {}
  bridge(other: MediaHandle): MediaLink {
    this.bridges.push(other as FakeMedia);
    this.openLinks++;
    let closed = false;
    return {
      close: () => {
        if (closed) return;
        closed = true;
        this.openLinks--;
      },
    };
  }
  echo(): MediaLink {
    this.echoes++;
    this.openLinks++;
    let closed = false;
    return {
      close: () => {
        if (!closed) this.openLinks--;
        closed = true;
      },
    };
  }
  /** Pulls the source dry at once (bounded), recording the samples; then waits for the end or abort. */
  activePlays = 0;
  async play(source: L16Source, signal: AbortSignal): Promise<void> {
    this.activePlays++;
    try {
      await this.pull(source, signal);
    } finally {
      this.activePlays--;
    }
  }
  private async pull(source: L16Source, signal: AbortSignal): Promise<void> {
    const buf = new Int16Array(Math.round(source.sampleRate / 50));
    for (let i = 0; i < this.maxFrames && !signal.aborted; i++) {
      const n = source.read(buf);
      if (n <= 0) return;
      this.frames.push({ pcm: buf.slice(0, n), rate: source.sampleRate });
    }
    if (!signal.aborted) await new Promise<void>((r) => signal.addEventListener('abort', () => r(), { once: true }));
  }
  maxFrames = 5000;
}

export class FakeDriver implements ChannelDriver {
  calls: string[] = [];
  hangupCauses: HangupCause[] = [];
  responds: { status: number; reason?: string }[] = [];
  redirects: string[][] = [];
  dtmf: string[] = [];
  failAnswer = false;
  constructor(public mediaHandle: FakeMedia | undefined = undefined) {}
  async answer(): Promise<void> {
    this.calls.push('answer');
    if (this.failAnswer) throw new Error('no codec');
  }
  async preAnswer(): Promise<void> {
    this.calls.push('preAnswer');
  }
  async ringReady(): Promise<void> {
    this.calls.push('ringReady');
  }
  hangup(cause: HangupCause): void {
    this.calls.push(`hangup:${cause}`);
    this.hangupCauses.push(cause);
  }
  async respond(status: number, reason?: string): Promise<void> {
    this.responds.push({ status, reason });
  }
  async redirect(contacts: string[]): Promise<void> {
    this.redirects.push(contacts);
  }
  sendDtmf(digits: string): void {
    this.dtmf.push(digits);
  }
  media(): MediaHandle | undefined {
    return this.mediaHandle;
  }
}

/**
 * What a fake target does, in ms after the INVITE: `ring`, `early` (183), `answer`, `reject`
 * (hangup with `cause`). `fail`: refuse at once (no channel).
 */
export interface Script {
  ring?: number;
  early?: number;
  answer?: number;
  reject?: number;
  cause?: HangupCause;
  fail?: HangupCause;
  /** Return a dial string instead of a channel (like user/). */
  dialString?: string;
  media?: boolean;
}

export class FakeEndpoint implements Endpoint {
  readonly name: string;
  readonly created: Channel[] = [];
  readonly requests: OriginateRequest[] = [];
  readonly drivers = new Map<string, FakeDriver>();
  constructor(
    private readonly clock: FakeClock,
    readonly scripts: Record<string, Script> = {},
    name = 'fake',
  ) {
    this.name = name;
  }
  byData(data: string): Channel | undefined {
    return this.created.find((c) => c.profile.destination_number === data);
  }
  async originate(req: OriginateRequest): Promise<OriginateOutcome> {
    this.requests.push(req);
    const s = this.scripts[req.data] ?? {};
    if (s.fail) return { cause: s.fail };
    if (s.dialString !== undefined) return { dialString: s.dialString };
    const driver = new FakeDriver(s.media === false ? undefined : new FakeMedia(req.data));
    const ch = req.createChannel({ name: `fake/${req.data}`, driver });
    this.drivers.set(ch.uuid, driver);
    this.created.push(ch);
    const at = (ms: number | undefined, fn: () => void): void => {
      if (ms !== undefined) this.clock.setTimeout(fn, ms);
    };
    at(s.ring, () => ch.markRinging());
    at(s.early, () => ch.markPreAnswered());
    at(s.answer, () => ch.markAnswered());
    at(s.reject, () => ch.hangup(s.cause ?? 'CALL_REJECTED'));
    return { channel: ch };
  }
}

/** context -> destination -> actions. */
export class TableDialplan implements DialplanProvider {
  readonly name = 'XML';
  hunts: { context: string; destination: string }[] = [];
  constructor(readonly table: Record<string, Record<string, DialplanAction[]>>) {}
  async hunt(ch: Channel) {
    const context = ch.profile.context;
    const destination = ch.profile.destination_number;
    this.hunts.push({ context, destination });
    const actions = this.table[context]?.[destination];
    return actions ? { extension: destination, actions } : undefined;
  }
}

/** Let promise chains settle (one macrotask turn). */
export async function flush(turns = 3): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((r) => setImmediate(r));
}

/** Advance the fake clock in steps, letting async work run between steps. */
export async function advance(clock: FakeClock, ms: number, step = 10): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    clock.advance(Math.min(step, ms - t));
    await flush(1);
  }
  await flush();
}

export function makeCore(opts: CoreOptions & { scripts?: Record<string, Script> } = {}) {
  const clock = new FakeClock();
  const core = new Core({ clock, hostname: 'testhost', ...opts });
  const endpoint = new FakeEndpoint(clock, opts.scripts ?? {});
  core.endpoints.register(endpoint);
  return { core, clock, endpoint };
}

/** An inbound channel as the sofia endpoint would create it. */
export function inbound(core: Core, destination: string, extra: { context?: string; media?: boolean; vars?: Record<string, string> } = {}) {
  const driver = new FakeDriver(extra.media === false ? undefined : new FakeMedia('A'));
  const ch = core.createChannel({
    name: 'sofia/internal/1000@127.0.0.1',
    direction: 'inbound',
    driver,
    profile: {
      caller_id_name: 'Alice',
      caller_id_number: '1000',
      destination_number: destination,
      context: extra.context ?? 'default',
      network_addr: '127.0.0.1',
      source: 'mod_sofia',
      username: '1000',
    },
    variables: extra.vars,
  });
  return { ch, driver };
}
