/**
 * FreeSWITCH event header maps (freeswitch-behaviour.md §10.2 common headers, §10.3 channel block).
 * Values are raw; the event socket URL-encodes them when serialising plain events.
 */
import { CALLER_HEADER_FIELDS } from './caller-profile';
import { channelStateNumber, CALL_STATES } from './channel-state';
import type { Channel } from './channel';
import type { CoreEventName } from './event-bus';

export interface CoreIdentity {
  coreUuid: string;
  hostname: string;
  switchname: string;
  ipv4: string;
  ipv6: string;
}

/** Events that carry `variable_*` headers (unless the channel has verbose_events=true). */
export const EVENTS_WITH_VARIABLES: ReadonlySet<CoreEventName> = new Set<CoreEventName>([
  'CHANNEL_CREATE',
  'CHANNEL_ANSWER',
  'CHANNEL_PROGRESS',
  'CHANNEL_PROGRESS_MEDIA',
  'CHANNEL_HANGUP',
  'CHANNEL_HANGUP_COMPLETE',
  'CHANNEL_BRIDGE',
  'CHANNEL_UNBRIDGE',
  'CHANNEL_EXECUTE',
  'CHANNEL_EXECUTE_COMPLETE',
  'CHANNEL_PARK',
  'CHANNEL_UNPARK',
  'CHANNEL_HOLD',
  'CHANNEL_UNHOLD',
  'CHANNEL_ORIGINATE',
  'CHANNEL_OUTGOING',
  'CHANNEL_DESTROY',
  'CHANNEL_DATA',
  'DTMF',
  'CUSTOM',
]);

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

// Both stamps have one-second resolution: cache formatted seconds (events come in bursts). The
// local stamp keeps 8 seconds, direct-mapped: a leg's *_stamp variables and CDR mix its start and
// end seconds, which a single entry would alternate between.
const LOCAL_SLOTS = 8;
const localSecs = new Float64Array(LOCAL_SLOTS).fill(NaN);
const localTexts: string[] = new Array<string>(LOCAL_SLOTS).fill('');
let gmtSec = NaN;
let gmtText = '';

/** `YYYY-MM-DD hh:mm:ss` in local time (Event-Date-Local, *_stamp variables). */
export function formatLocalStamp(ms: number): string {
  const sec = Math.floor(ms / 1000);
  const slot = sec & (LOCAL_SLOTS - 1);
  if (localSecs[slot] === sec) return localTexts[slot]!;
  const d = new Date(ms);
  const text = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  localSecs[slot] = sec;
  localTexts[slot] = text;
  return text;
}

/** RFC 822 date in GMT, e.g. `Thu, 01 May 2024 10:00:00 GMT` (Event-Date-GMT). */
export function formatGmtStamp(ms: number): string {
  const sec = Math.floor(ms / 1000);
  if (sec === gmtSec) return gmtText;
  gmtSec = sec;
  gmtText = new Date(ms).toUTCString();
  return gmtText;
}

function us(ms: number): string {
  return ms > 0 ? String(Math.round(ms * 1000)) : '0';
}

interface CodecInfo {
  name: string;
  rate: string;
  bitRate: string;
}

function codecInfo(ch: Channel, dir: 'read' | 'write'): CodecInfo | undefined {
  const name = ch.getLocalVariable(`${dir}_codec`);
  if (name) {
    return { name, rate: ch.getLocalVariable(`${dir}_rate`) ?? '', bitRate: ch.getLocalVariable(`${dir}_bit_rate`) ?? '' };
  }
  const codec = ch.up ? ch.driver.media()?.codec : undefined;
  if (!codec) return undefined;
  return { name: codec.name, rate: String(codec.sampleRate), bitRate: codec.bitrate ? String(codec.bitrate) : '0' };
}

function callerBlock(out: [string, string][], prefix: string, ch: Channel): void {
  out.push([`${prefix}-Direction`, ch.direction]);
  out.push([`${prefix}-Logical-Direction`, ch.direction]);
  for (const [h, f] of CALLER_HEADER_FIELDS) out.push([`${prefix}-${h}`, ch.profile[f]]);
  const t = ch.times;
  out.push([`${prefix}-Profile-Created-Time`, us(t.profileCreated)]);
  out.push([`${prefix}-Channel-Created-Time`, us(t.created)]);
  out.push([`${prefix}-Channel-Answered-Time`, us(t.answered)]);
  out.push([`${prefix}-Channel-Progress-Time`, us(t.progress)]);
  out.push([`${prefix}-Channel-Progress-Media-Time`, us(t.progressMedia)]);
  out.push([`${prefix}-Channel-Hangup-Time`, us(t.hungup)]);
  out.push([`${prefix}-Channel-Transfer-Time`, us(t.transfer)]);
  out.push([`${prefix}-Channel-Resurrect-Time`, '0']);
  out.push([`${prefix}-Channel-Bridged-Time`, us(t.bridged)]);
  out.push([`${prefix}-Channel-Last-Hold`, '0']);
  out.push([`${prefix}-Channel-Hold-Accum`, '0']);
  out.push([`${prefix}-Screen-Bit`, 'true']);
  out.push([`${prefix}-Privacy-Hide-Name`, 'false']);
  out.push([`${prefix}-Privacy-Hide-Number`, 'false']);
}

/** The channel block of §10.3 (without variables). */
export function channelBlock(ch: Channel, other?: { type: 'originator' | 'originatee'; channel: Channel }): [string, string][] {
  const out: [string, string][] = [];
  out.push(['Channel-State', ch.state]);
  out.push(['Channel-Call-State', ch.callState]);
  out.push(['Channel-State-Number', String(channelStateNumber(ch.state))]);
  out.push(['Channel-Name', ch.name]);
  out.push(['Unique-ID', ch.uuid]);
  out.push(['Call-Direction', ch.direction]);
  out.push(['Presence-Call-Direction', ch.direction]);
  out.push(['Channel-HIT-Dialplan', ch.direction === 'inbound' ? 'true' : 'false']);
  const presence = ch.getLocalVariable('presence_id');
  if (presence) out.push(['Channel-Presence-ID', presence]);
  out.push(['Channel-Call-UUID', ch.getLocalVariable('call_uuid') ?? ch.uuid]);
  out.push(['Answer-State', ch.answerState]);
  for (const dir of ['read', 'write'] as const) {
    const c = codecInfo(ch, dir);
    if (!c) continue;
    const D = dir === 'read' ? 'Read' : 'Write';
    out.push([`Channel-${D}-Codec-Name`, c.name]);
    out.push([`Channel-${D}-Codec-Rate`, c.rate]);
    out.push([`Channel-${D}-Codec-Bit-Rate`, c.bitRate]);
  }
  callerBlock(out, 'Caller', ch);
  if (other) {
    out.push(['Other-Type', other.type]);
    callerBlock(out, 'Other-Leg', other.channel);
  }
  return out;
}

export interface EventHeaderInput {
  name: CoreEventName;
  subclass?: string;
  sequence: number;
  /** Wall-clock ms of the event. */
  now: number;
  channel?: Channel;
  other?: { type: 'originator' | 'originatee'; channel: Channel };
  /** Event-specific headers (Hangup-Cause, Application, ...). */
  extra?: [string, string][];
  callingFile?: string;
  callingFunction?: string;
}

/** Build the full ordered header map for one event. */
export function buildEventHeaders(id: CoreIdentity, e: EventHeaderInput): Map<string, string> {
  const h = new Map<string, string>();
  h.set('Event-Name', e.name);
  if (e.subclass) h.set('Event-Subclass', e.subclass);
  h.set('Core-UUID', id.coreUuid);
  h.set('FreeSWITCH-Hostname', id.hostname);
  h.set('FreeSWITCH-Switchname', id.switchname);
  h.set('FreeSWITCH-IPv4', id.ipv4);
  h.set('FreeSWITCH-IPv6', id.ipv6);
  h.set('Event-Date-Local', formatLocalStamp(e.now));
  h.set('Event-Date-GMT', formatGmtStamp(e.now));
  h.set('Event-Date-Timestamp', us(e.now));
  h.set('Event-Calling-File', e.callingFile ?? (e.channel ? 'channel.ts' : 'core.ts'));
  h.set('Event-Calling-Function', e.callingFunction ?? e.name.toLowerCase());
  h.set('Event-Calling-Line-Number', '0');
  h.set('Event-Sequence', String(e.sequence));
  for (const [k, v] of e.extra ?? []) h.set(k, v);
  if (e.channel) {
    for (const [k, v] of channelBlock(e.channel, e.other)) h.set(k, v);
    const verbose = e.channel.getLocalVariable('verbose_events') === 'true';
    if (verbose || EVENTS_WITH_VARIABLES.has(e.name)) {
      for (const [k, v] of e.channel.variables()) h.set(`variable_${k}`, v);
    }
  }
  return h;
}

/** The call-state names, for validation by consumers. */
export const CALL_STATE_NAMES: readonly string[] = CALL_STATES;
