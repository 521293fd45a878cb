/**
 * Call detail records: one per leg when it reaches CS_REPORTING, appended to `cdr.jsonl` (one JSON
 * object per line) and `Master.csv` (FreeSWITCH mod_cdr_csv default template columns, then ours).
 *
 * Durability: the records of one event-loop turn are appended together, one synchronous write(2)
 * per file on files opened in append mode, right after that turn (setImmediate; close() flushes
 * at once), optionally fsync'd. Under load a turn ends dozens of legs: batching turns four
 * syscalls per call into a few per turn. A record is in the kernel within one turn of its leg
 * reaching CS_REPORTING. A failed write is counted and logged; it never throws into the hangup
 * path.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { logger, type Logger } from '../util/logger';
import type { Channel } from './channel';
import { computeDurations } from './timestamps';

export interface CdrRecord {
  uuid: string;
  other_leg_uuid: string;
  direction: string;
  channel_name: string;
  caller_id_name: string;
  caller_id_number: string;
  destination_number: string;
  context: string;
  network_addr: string;
  start_stamp: string;
  answer_stamp: string;
  end_stamp: string;
  start_epoch: number;
  answer_epoch: number;
  end_epoch: number;
  duration: number;
  billsec: number;
  hangup_cause: string;
  read_codec: string;
  write_codec: string;
  other_read_codec: string;
  other_write_codec: string;
  sip_call_id: string;
  accountcode: string;
  /** relay | transcode, as the endpoint set media_bridge_mode; empty when the leg had no bridge. */
  media_bridge_mode: string;
  /** FreeSWITCH's rtp_audio_* counters, set by the endpoint at hangup (empty without media). */
  rtp_audio_in_media_packet_count: string;
  rtp_audio_out_media_packet_count: string;
}

/** Master.csv column order: FreeSWITCH's default template (15 columns), then our additions. */
export const CSV_COLUMNS: readonly (keyof CdrRecord)[] = [
  'caller_id_name',
  'caller_id_number',
  'destination_number',
  'context',
  'start_stamp',
  'answer_stamp',
  'end_stamp',
  'duration',
  'billsec',
  'hangup_cause',
  'uuid',
  'other_leg_uuid',
  'accountcode',
  'read_codec',
  'write_codec',
  'direction',
  'sip_call_id',
  'other_read_codec',
  'other_write_codec',
  'media_bridge_mode',
  'rtp_audio_in_media_packet_count',
  'rtp_audio_out_media_packet_count',
];

function localVar(ch: Channel, n: string): string {
  return ch.getLocalVariable(n) ?? '';
}

function epoch(ms: number): number {
  return ms ? Math.floor(ms / 1000) : 0;
}

export function buildCdrRecord(ch: Channel): CdrRecord {
  const d = computeDurations(ch);
  return {
    uuid: ch.uuid,
    other_leg_uuid: localVar(ch, 'last_bridge_to') || localVar(ch, 'bridge_to') || localVar(ch, 'originating_leg_uuid'),
    direction: ch.direction,
    channel_name: ch.name,
    caller_id_name: ch.profile.caller_id_name,
    caller_id_number: ch.profile.caller_id_number,
    destination_number: ch.profile.destination_number,
    context: ch.profile.context,
    network_addr: ch.profile.network_addr,
    start_stamp: localVar(ch, 'start_stamp'),
    answer_stamp: localVar(ch, 'answer_stamp'),
    end_stamp: localVar(ch, 'end_stamp'),
    start_epoch: epoch(ch.times.created),
    answer_epoch: epoch(ch.times.answered),
    end_epoch: epoch(ch.times.hungup),
    duration: d.duration,
    billsec: d.billsec,
    hangup_cause: ch.hangupCause ?? '',
    read_codec: localVar(ch, 'read_codec'),
    write_codec: localVar(ch, 'write_codec'),
    other_read_codec: localVar(ch, 'other_leg_read_codec'),
    other_write_codec: localVar(ch, 'other_leg_write_codec'),
    sip_call_id: localVar(ch, 'sip_call_id'),
    accountcode: localVar(ch, 'accountcode'),
    media_bridge_mode: localVar(ch, 'media_bridge_mode'),
    rtp_audio_in_media_packet_count: localVar(ch, 'rtp_audio_in_media_packet_count'),
    rtp_audio_out_media_packet_count: localVar(ch, 'rtp_audio_out_media_packet_count'),
  };
}

/** A field's text between its quotes: quotes doubled (RFC 4180), CR/LF replaced by spaces. */
function csvInner(value: string | number): string {
  const s = typeof value === 'string' ? value : String(value);
  // Most fields (uuids, stamps, numbers, codec names) need no escaping: returned as they are.
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22 || c === 0x0d || c === 0x0a) return escapeCsv(s);
  }
  return s;
}

function escapeCsv(s: string): string {
  let clean = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    clean += c === '\r' || c === '\n' ? ' ' : c === '"' ? '""' : c;
  }
  return clean;
}

/** One CSV field: quoted, quotes doubled (RFC 4180), CR/LF replaced so a record stays one line. */
export function csvField(value: string | number): string {
  return `"${csvInner(value)}"`;
}

/** Scratch for cdrCsvLine (synchronous use only). */
const csvParts: string[] = new Array<string>(CSV_COLUMNS.length).fill('');

/** One Master.csv line: every field quoted; built with one join (no per-field quoted copies). */
export function cdrCsvLine(r: CdrRecord): string {
  for (let i = 0; i < CSV_COLUMNS.length; i++) csvParts[i] = csvInner(r[CSV_COLUMNS[i]!]);
  return '"' + csvParts.join('","') + '"\n';
}

export interface CdrWriterOptions {
  /** Directory for cdr.jsonl and Master.csv (created if missing). */
  dir: string;
  jsonFile?: string;
  csvFile?: string;
  /** fsync after each record (survives power loss, costs a disk flush per leg). Default false. */
  fsync?: boolean;
  log?: Logger;
}

export class CdrWriter {
  private jsonFd: number | undefined;
  private csvFd: number | undefined;
  private closed = false;
  private readonly log: Logger;
  readonly jsonPath: string;
  readonly csvPath: string;
  /** Records written / records whose write failed. */
  written = 0;
  errors = 0;
  /** Lines waiting for the end of the event-loop turn. */
  private pendingJson = '';
  private pendingCsv = '';
  private pendingCount = 0;
  private flushScheduled = false;
  private readonly flushSoon = (): void => {
    this.flushScheduled = false;
    this.flush();
  };

  constructor(private readonly opts: CdrWriterOptions) {
    this.log = (opts.log ?? logger).child({ mod: 'core.cdr' });
    mkdirSync(opts.dir, { recursive: true });
    this.jsonPath = join(opts.dir, opts.jsonFile ?? 'cdr.jsonl');
    this.csvPath = join(opts.dir, opts.csvFile ?? 'Master.csv');
    this.jsonFd = openSync(this.jsonPath, 'a');
    this.csvFd = openSync(this.csvPath, 'a');
  }

  write(ch: Channel): void {
    if (this.closed) return;
    const record = buildCdrRecord(ch);
    this.pendingJson += JSON.stringify(record) + '\n';
    this.pendingCsv += cdrCsvLine(record);
    this.pendingCount++;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushSoon);
    }
  }

  /** Append the pending records now (also runs after each turn that wrote some, and on close). */
  flush(): void {
    const n = this.pendingCount;
    if (n === 0 || this.jsonFd === undefined || this.csvFd === undefined) return;
    const json = this.pendingJson;
    const csv = this.pendingCsv;
    this.pendingJson = '';
    this.pendingCsv = '';
    this.pendingCount = 0;
    try {
      writeSync(this.jsonFd, json);
      writeSync(this.csvFd, csv);
      if (this.opts.fsync) {
        fsyncSync(this.jsonFd);
        fsyncSync(this.csvFd);
      }
      this.written += n;
    } catch (err) {
      this.errors += n;
      this.log.error({ err, records: n }, 'CDR write failed');
    }
  }

  /** Idempotent. */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    for (const fd of [this.jsonFd, this.csvFd]) {
      if (fd === undefined) continue;
      try {
        closeSync(fd);
      } catch {
        /* already closed */
      }
    }
    this.jsonFd = this.csvFd = undefined;
  }
}
