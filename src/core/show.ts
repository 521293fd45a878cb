/**
 * Output shapes of `show channels`, `show calls`, `show api|application|endpoint|dialplan`,
 * `status` and `uptime` (freeswitch-behaviour.md §9.2).
 */
import type { Channel } from './channel';
import type { Core } from './core';
import { formatLocalStamp } from './event-headers';

export const CHANNEL_COLUMNS = [
  'uuid', 'direction', 'created', 'created_epoch', 'name', 'state', 'cid_name', 'cid_num', 'ip_addr', 'dest',
  'application', 'application_data', 'dialplan', 'context', 'read_codec', 'read_rate', 'read_bit_rate',
  'write_codec', 'write_rate', 'write_bit_rate', 'secure', 'hostname', 'presence_id', 'presence_data',
  'accountcode', 'callstate', 'callee_name', 'callee_num', 'callee_direction', 'call_uuid', 'sent_callee_name',
  'sent_callee_num', 'initial_cid_name', 'initial_cid_num', 'initial_ip_addr', 'initial_dest',
  'initial_dialplan', 'initial_context',
] as const;

const CALL_A_COLUMNS = [
  'uuid', 'direction', 'created', 'created_epoch', 'name', 'state', 'cid_name', 'cid_num', 'ip_addr', 'dest',
  'presence_id', 'presence_data', 'accountcode', 'callstate', 'callee_name', 'callee_num', 'callee_direction',
  'call_uuid', 'hostname', 'sent_callee_name', 'sent_callee_num',
] as const;

const CALL_B_COLUMNS = [
  'uuid', 'direction', 'created', 'created_epoch', 'name', 'state', 'cid_name', 'cid_num', 'ip_addr', 'dest',
  'presence_id', 'presence_data', 'accountcode', 'callstate', 'callee_name', 'callee_num', 'callee_direction',
  'sent_callee_name', 'sent_callee_num',
] as const;

export const CALL_COLUMNS: readonly string[] = [
  ...CALL_A_COLUMNS,
  ...CALL_B_COLUMNS.map((c) => `b_${c}`),
  'call_created_epoch',
];

export function channelRow(core: Core, ch: Channel): Record<string, string> {
  const v = (n: string): string => ch.getLocalVariable(n) ?? '';
  const codec = ch.up ? ch.driver.media()?.codec : undefined;
  const p = ch.profile;
  const ip = ch.initialProfile;
  return {
    uuid: ch.uuid,
    direction: ch.direction,
    created: formatLocalStamp(ch.times.created),
    created_epoch: String(Math.floor(ch.times.created / 1000)),
    name: ch.name,
    state: ch.state,
    cid_name: p.caller_id_name,
    cid_num: p.caller_id_number,
    ip_addr: p.network_addr,
    dest: p.destination_number,
    application: ch.currentApp?.app ?? '',
    application_data: ch.currentApp?.data ?? '',
    dialplan: p.dialplan,
    context: p.context,
    read_codec: v('read_codec') || codec?.name || '',
    read_rate: v('read_rate') || (codec ? String(codec.sampleRate) : ''),
    read_bit_rate: v('read_bit_rate') || (codec?.bitrate ? String(codec.bitrate) : ''),
    write_codec: v('write_codec') || codec?.name || '',
    write_rate: v('write_rate') || (codec ? String(codec.sampleRate) : ''),
    write_bit_rate: v('write_bit_rate') || (codec?.bitrate ? String(codec.bitrate) : ''),
    secure: v('secure'),
    hostname: core.identity.hostname,
    presence_id: v('presence_id'),
    presence_data: v('presence_data'),
    accountcode: v('accountcode'),
    callstate: ch.callState,
    callee_name: p.callee_id_name,
    callee_num: p.callee_id_number,
    callee_direction: '',
    call_uuid: v('call_uuid') || ch.uuid,
    sent_callee_name: '',
    sent_callee_num: '',
    initial_cid_name: ip.caller_id_name,
    initial_cid_num: ip.caller_id_number,
    initial_ip_addr: ip.network_addr,
    initial_dest: ip.destination_number,
    initial_dialplan: ip.dialplan,
    initial_context: ip.context,
  };
}

/** CSV table as FreeSWITCH prints it: header, rows, blank line, `N total.` */
export function csvTable(columns: readonly string[], rows: Record<string, string>[]): string {
  const lines = [columns.join(',')];
  for (const r of rows) lines.push(columns.map((c) => r[c] ?? '').join(','));
  return `${lines.join('\n')}\n\n${rows.length} total.\n`;
}

export function jsonTable(columns: readonly string[], rows: Record<string, string>[]): string {
  const out = rows.map((r) => Object.fromEntries(columns.map((c) => [c, r[c] ?? ''])));
  return JSON.stringify({ row_count: rows.length, rows: out });
}

export function showChannels(core: Core): { columns: readonly string[]; rows: Record<string, string>[] } {
  const rows = core
    .channels()
    .filter((c) => c.up)
    .sort((a, b) => a.times.created - b.times.created)
    .map((c) => channelRow(core, c));
  return { columns: CHANNEL_COLUMNS, rows };
}

/** One row per call: the A leg with its bridged peer in the b_ columns; unbridged channels alone. */
export function showCalls(core: Core): { columns: readonly string[]; rows: Record<string, string>[] } {
  const rows: Record<string, string>[] = [];
  const seen = new Set<string>();
  const live = core
    .channels()
    .filter((c) => c.up)
    .sort((a, b) => a.times.created - b.times.created);
  for (const ch of live) {
    if (seen.has(ch.uuid)) continue;
    seen.add(ch.uuid);
    const br = core.bridgeOf(ch);
    const peer = br?.active ? br.peerOf(ch) : undefined;
    const a = br?.active && peer && br.b === ch ? peer : ch;
    const b = a === ch ? peer : ch;
    seen.add(a.uuid);
    const ra = channelRow(core, a);
    const row: Record<string, string> = {};
    for (const c of CALL_A_COLUMNS) row[c] = ra[c] ?? '';
    if (b) {
      seen.add(b.uuid);
      const rb = channelRow(core, b);
      for (const c of CALL_B_COLUMNS) row[`b_${c}`] = rb[c] ?? '';
    }
    row.call_created_epoch = ra.created_epoch ?? '';
    rows.push(row);
  }
  return { columns: CALL_COLUMNS, rows };
}

function plural(n: number, unit: string): string {
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/** `0 years, 0 days, 1 hour, 2 minutes, 3 seconds, 456 milliseconds, 789 microseconds`. */
export function formatUptime(ms: number): string {
  let rest = Math.max(0, ms);
  const micro = Math.floor((rest * 1000) % 1000);
  const milli = Math.floor(rest % 1000);
  rest = Math.floor(rest / 1000);
  const sec = rest % 60;
  rest = Math.floor(rest / 60);
  const min = rest % 60;
  rest = Math.floor(rest / 60);
  const hr = rest % 24;
  rest = Math.floor(rest / 24);
  const days = rest % 365;
  const years = Math.floor(rest / 365);
  return [
    plural(years, 'year'),
    plural(days, 'day'),
    plural(hr, 'hour'),
    plural(min, 'minute'),
    plural(sec, 'second'),
    plural(milli, 'millisecond'),
    plural(micro, 'microsecond'),
  ].join(', ');
}
