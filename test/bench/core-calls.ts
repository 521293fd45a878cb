/**
 * Core call throughput: inbound call -> dialplan [bridge instant/b] -> B answers at once -> B hangs
 * up -> A continues and hangs up. Measured in the same run, as ratios to the baseline (no event
 * listener, no CDR):
 *   + events: a '*' listener, so every FreeSWITCH header map (channel block + variables) is built
 *   + CDR:    JSON + CSV records written synchronously to a temp dir
 * Run: npx tsx test/bench/core-calls.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerDptools } from '../../src/apps';
import { Core, NULL_DRIVER, type CoreOptions, type Endpoint } from '../../src/core';
import { setLogLevel } from '../../src/util/logger';

setLogLevel('silent');

const instant: Endpoint = {
  name: 'instant',
  async originate(req) {
    const ch = req.createChannel({ name: `instant/${req.data}`, driver: NULL_DRIVER });
    queueMicrotask(() => {
      ch.markAnswered();
      queueMicrotask(() => ch.hangup('NORMAL_CLEARING'));
    });
    return { channel: ch };
  },
};

async function run(label: string, calls: number, opts: CoreOptions, listen: boolean): Promise<number> {
  const core = new Core({ hostname: 'bench', ...opts });
  registerDptools(core);
  core.endpoints.register(instant);
  core.dialplans.register({
    name: 'XML',
    hunt: async () => ({ extension: 'b', actions: [{ app: 'set', data: 'x=${destination_number}' }, { app: 'bridge', data: 'instant/b' }] }),
  });
  let events = 0;
  if (listen) core.events.on('*', (e) => (events += e.headers.size > 0 ? 1 : 0));
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const batch = 50;
  for (let i = 0; i < calls; i += batch) {
    const all: Promise<void>[] = [];
    for (let j = 0; j < batch; j++) {
      const ch = core.createChannel({ name: 'bench/a', direction: 'inbound', profile: { destination_number: '2000', caller_id_number: '1000' } });
      all.push(core.startInbound(ch).then(() => ch.destroyed));
    }
    await Promise.all(all);
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  await core.close();
  const rate = (calls / ms) * 1000;
  // CPU per call is steadier than wall time on a shared machine (another process takes turns).
  const cpuUs = (cpu.user + cpu.system) / calls;
  console.log(
    `${label.padEnd(28)} ${calls} calls in ${ms.toFixed(0)} ms = ${rate.toFixed(0)} calls/s, ${cpuUs.toFixed(1)} µs CPU/call${listen ? ` (${events} events)` : ''}`,
  );
  return rate;
}

async function main(): Promise<void> {
  const calls = Number(process.env.CALLS ?? 4000);
  await run('warm-up', 500, {}, false);
  const base = await run('baseline (no listeners)', calls, {}, false);
  // NO_EVENTS=1 skips the listener run (for profiling the no-listener path the server runs).
  const withEvents = process.env.NO_EVENTS === '1' ? NaN : await run('+ events (* listener)', calls, {}, true);
  const dir = mkdtempSync(join(tmpdir(), 'strowger-bench-cdr-'));
  const withCdr = await run('+ CDR (jsonl + csv)', calls, { cdr: { dir } }, false);
  rmSync(dir, { recursive: true, force: true });
  console.log(`ratio events/baseline: ${(base / withEvents).toFixed(2)}x time per call`);
  console.log(`ratio CDR/baseline:    ${(base / withCdr).toFixed(2)}x time per call`);
}

void main();
