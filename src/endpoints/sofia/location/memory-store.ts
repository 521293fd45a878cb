/**
 * In-memory LocationStore: same semantics as the SQLite store, nothing survives the process.
 * For tests of other parts (registrar, dial strings) and for `db_mode 0`-style deployments.
 */
import { realClock, type Clock } from '../../../util/clock';
import { StrowgerError } from '../../../util/errors';
import { bindingRow, compareBindings, normalizeHost, planRegister } from './register-plan';
import type { Binding, BindingRefresh, LocationStore, LookupOptions, NewBinding, RegisterOutcome, RegisterRequest } from './types';

function aorKey(user: string, host: string): string {
  return `${user}\0${normalizeHost(host)}`;
}

export class MemoryLocationStore implements LocationStore {
  private readonly rows = new Map<number, Binding>();
  /** user@host -> ids, for lookups without a scan. */
  private readonly byAor = new Map<string, Set<number>>();
  private nextId = 1;
  private closed = false;
  private readonly clock: Clock;

  constructor(opts: { clock?: Clock } = {}) {
    this.clock = opts.clock ?? realClock;
  }

  private open(): void {
    if (this.closed) throw new StrowgerError('LOCATION_STORE', 'location store is closed');
  }

  private insert(b: NewBinding): Binding {
    const now = this.clock.wallNow();
    const row = bindingRow(b, this.nextId++, b.createdAt ?? now, b.updatedAt ?? now);
    this.rows.set(row.id, row);
    const k = aorKey(row.user, row.host);
    let set = this.byAor.get(k);
    if (!set) this.byAor.set(k, (set = new Set()));
    set.add(row.id);
    return { ...row };
  }

  private update(id: number, patch: BindingRefresh): Binding | undefined {
    const row = this.rows.get(id);
    if (!row) return undefined;
    Object.assign(row, patch, { updatedAt: patch.updatedAt ?? this.clock.wallNow() });
    return { ...row };
  }

  private delete(id: number): boolean {
    const row = this.rows.get(id);
    if (!row) return false;
    this.rows.delete(id);
    const k = aorKey(row.user, row.host);
    const set = this.byAor.get(k);
    set?.delete(id);
    if (set && set.size === 0) this.byAor.delete(k);
    return true;
  }

  private aorRows(user: string, host: string, profile?: string): Binding[] {
    const ids = this.byAor.get(aorKey(user, host));
    if (!ids) return [];
    const out: Binding[] = [];
    for (const id of ids) {
      const r = this.rows.get(id)!;
      if (profile === undefined || r.profile === profile) out.push(r);
    }
    return out;
  }

  async applyRegister(req: RegisterRequest): Promise<RegisterOutcome> {
    this.open();
    const existing = this.aorRows(req.user, req.host, req.profile).map((r) => ({ ...r }));
    const plan = planRegister(existing, req);
    if (!plan.ok) return plan;
    // Synchronous from here on: nothing can interleave, so the update is atomic.
    for (const d of plan.deletes) this.delete(d.id);
    const refreshed = plan.updates.map((u) => this.update(u.id, u.patch)!);
    const added = plan.inserts.map((b) => this.insert(b));
    const bindings = this.aorRows(req.user, req.host, req.profile).map((r) => ({ ...r })).sort(compareBindings);
    return { ok: true, bindings, added, refreshed, removed: plan.deletes };
  }

  async add(binding: NewBinding): Promise<Binding> {
    this.open();
    return this.insert(binding);
  }

  async refresh(id: number, patch: BindingRefresh): Promise<Binding | undefined> {
    this.open();
    return this.update(id, patch);
  }

  async remove(id: number): Promise<boolean> {
    this.open();
    return this.delete(id);
  }

  async removeAor(user: string, host: string, profile?: string): Promise<number> {
    this.open();
    const rows = this.aorRows(user, host, profile);
    for (const r of rows) this.delete(r.id);
    return rows.length;
  }

  async lookup(user: string, host: string, opts: LookupOptions = {}): Promise<Binding[]> {
    this.open();
    const now = opts.now ?? this.clock.wallNow();
    return this.aorRows(user, host, opts.profile)
      .filter((r) => r.expiresAt > now)
      .map((r) => ({ ...r }))
      .sort(compareBindings);
  }

  async list(profile?: string): Promise<Binding[]> {
    this.open();
    const out: Binding[] = [];
    for (const r of this.rows.values()) if (profile === undefined || r.profile === profile) out.push({ ...r });
    return out.sort((a, b) => a.id - b.id);
  }

  async count(profile?: string): Promise<number> {
    this.open();
    if (profile === undefined) return this.rows.size;
    let n = 0;
    for (const r of this.rows.values()) if (r.profile === profile) n++;
    return n;
  }

  async purgeExpired(now: number): Promise<Binding[]> {
    this.open();
    const gone: Binding[] = [];
    for (const r of [...this.rows.values()]) {
      if (r.expiresAt <= now) {
        gone.push({ ...r });
        this.delete(r.id);
      }
    }
    return gone;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
