import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { registerDptools } from '../../../src/apps';
import { CSV_COLUMNS, CdrWriter, cdrCsvLine, csvField } from '../../../src/core';
import { advance, flush, inbound, makeCore, TableDialplan } from './fakes';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < line.length) {
    expect(line[i]).toBe('"');
    let v = '';
    i++;
    for (;;) {
      if (line[i] === '"' && line[i + 1] === '"') {
        v += '"';
        i += 2;
      } else if (line[i] === '"') {
        i++;
        break;
      } else v += line[i++];
    }
    out.push(v);
    if (line[i] === ',') i++;
  }
  return out;
}

describe('CDRs', () => {
  it('writes one JSON line and one CSV line per leg with FakeClock durations', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strowger-cdr-'));
    dirs.push(dir);
    const { core, clock, endpoint } = makeCore({ cdr: { dir }, scripts: { b: { ring: 100, answer: 5000 } } });
    registerDptools(core);
    core.dialplans.register(new TableDialplan({ default: { '2000': [{ app: 'bridge', data: 'fake/b' }] } }));
    const { ch: a } = inbound(core, '2000', { vars: { sip_call_id: 'call-1@host', accountcode: 'acme', read_codec: 'PCMU', write_codec: 'PCMU' } });
    const done = core.startInbound(a);
    await flush();
    await advance(clock, 5000, 100);
    const b = endpoint.byData('b')!;
    b.setVariable('read_codec', 'G722');
    b.setVariable('write_codec', 'G722');
    await advance(clock, 125_000, 5000);
    a.hangup('NORMAL_CLEARING');
    await done;
    await a.destroyed;
    await b.destroyed;
    await core.close();

    const json = readFileSync(join(dir, 'cdr.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(json).toHaveLength(2);
    const ra = json.find((r) => r.uuid === a.uuid);
    const rb = json.find((r) => r.uuid === b.uuid);
    expect(ra).toMatchObject({
      direction: 'inbound',
      other_leg_uuid: b.uuid,
      caller_id_name: 'Alice',
      caller_id_number: '1000',
      destination_number: '2000',
      context: 'default',
      duration: 130,
      billsec: 125,
      hangup_cause: 'NORMAL_CLEARING',
      read_codec: 'PCMU',
      write_codec: 'PCMU',
      sip_call_id: 'call-1@host',
      accountcode: 'acme',
      start_epoch: 1_700_000_000,
      answer_epoch: 1_700_000_005,
      end_epoch: 1_700_000_130,
    });
    expect(ra.answer_stamp).not.toBe('');
    expect(rb).toMatchObject({ direction: 'outbound', other_leg_uuid: a.uuid, hangup_cause: 'NORMAL_CLEARING', billsec: 125, read_codec: 'G722' });
    // other-leg codec snapshot taken at bridge time (A's codec as B saw it)
    expect(rb.other_read_codec).toBe('PCMU');

    const csv = readFileSync(join(dir, 'Master.csv'), 'utf8').trim().split('\n');
    expect(csv).toHaveLength(2);
    const uuidCol = CSV_COLUMNS.indexOf('uuid');
    const rowA = csv.map(parseCsvLine).find((r) => r[uuidCol] === a.uuid)!;
    expect(rowA).toHaveLength(CSV_COLUMNS.length);
    const col = (name: string) => rowA[CSV_COLUMNS.indexOf(name as (typeof CSV_COLUMNS)[number])];
    expect(col('duration')).toBe('130');
    expect(col('billsec')).toBe('125');
    expect(col('uuid')).toBe(a.uuid);
    expect(col('other_leg_uuid')).toBe(b.uuid);
    expect(col('hangup_cause')).toBe('NORMAL_CLEARING');
  });

  it('unanswered legs have billsec 0; hostile caller id is quoted and kept on one line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strowger-cdr-'));
    dirs.push(dir);
    const writer = new CdrWriter({ dir });
    const { core, clock } = makeCore({ cdr: writer });
    const { ch } = inbound(core, '1');
    ch.profile.caller_id_name = 'Evil "quote",\r\nnext';
    clock.advance(7000);
    ch.hangup('NO_ANSWER');
    await ch.destroyed;
    writer.close();
    writer.close();
    const lines = readFileSync(join(dir, 'Master.csv'), 'utf8').split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    const row = parseCsvLine(lines[0]!);
    expect(row[0]).toBe('Evil "quote",  next');
    const rec = JSON.parse(readFileSync(join(dir, 'cdr.jsonl'), 'utf8'));
    expect(rec).toMatchObject({ duration: 7, billsec: 0, hangup_cause: 'NO_ANSWER', answer_stamp: '' });
    expect(writer.written).toBe(1);
    expect(csvField('a"b')).toBe('"a""b"');
    // The whole line is exactly every column through csvField, joined by commas.
    const record = JSON.parse(readFileSync(join(dir, 'cdr.jsonl'), 'utf8'));
    expect(lines[0] + '\n').toBe(CSV_COLUMNS.map((k) => csvField(record[k])).join(',') + '\n');
    expect(cdrCsvLine(record)).toBe(lines[0] + '\n');
  });

  it('the records of one event-loop turn are appended together after that turn', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'strowger-cdr-'));
    dirs.push(dir);
    const writer = new CdrWriter({ dir });
    const { core } = makeCore({ cdr: writer });
    const legs = [inbound(core, '1').ch, inbound(core, '2').ch, inbound(core, '3').ch];
    for (const ch of legs) ch.hangup('NORMAL_CLEARING');
    await Promise.all(legs.map((ch) => ch.destroyed));
    // Reported, not yet written: the batch goes out once the turn is over.
    expect(writer.written).toBe(0);
    await new Promise((r) => setImmediate(r));
    expect(writer.written).toBe(3);
    const uuids = readFileSync(join(dir, 'cdr.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { uuid: string }).uuid);
    expect(uuids.sort()).toEqual(legs.map((c) => c.uuid).sort());
    expect(readFileSync(join(dir, 'Master.csv'), 'utf8').trim().split('\n')).toHaveLength(3);
    // close() writes what is still pending.
    const late = inbound(core, '4').ch;
    late.hangup('NORMAL_CLEARING');
    await late.destroyed;
    writer.close();
    expect(writer.written).toBe(4);
    expect(readFileSync(join(dir, 'cdr.jsonl'), 'utf8').trim().split('\n')).toHaveLength(4);
  });
});
