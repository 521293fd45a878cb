/**
 * Test doubles for the dialplan engine: a HuntSubject over plain maps (expansion through the
 * core's real expandVariables), and helpers that load the fixtures in both forms.
 */
import { resolve } from 'node:path';
import { expandVariables } from '../../../src/core/expand';
import { ROUTING_SAFE_APPS, type DialplanModel, type HuntSubject } from '../../../src/dialplan';

export const ROOT = resolve(__dirname, '../../..');
export const FIXTURES = resolve(ROOT, 'test/fixtures/dialplan');

/** 2026-03-04 10:30:15 UTC, a Wednesday. */
export const WED_1030_UTC = Date.UTC(2026, 2, 4, 10, 30, 15);

export interface FakeSubjectInit {
  profile?: Record<string, string>;
  vars?: Record<string, string>;
  globals?: Record<string, string>;
  now?: number;
}

export class FakeSubject implements HuntSubject {
  readonly profile: Record<string, string>;
  readonly vars: Map<string, string>;
  readonly globals: Map<string, string>;
  readonly inline: { app: string; data: string }[] = [];
  readonly refused: string[] = [];
  readonly expanded: string[] = [];
  nowMs: number;
  up = true;

  constructor(init: FakeSubjectInit = {}) {
    this.profile = {
      context: 'default',
      destination_number: '',
      caller_id_name: 'Alice',
      caller_id_number: '1000',
      network_addr: '127.0.0.1',
      source: 'mod_sofia',
      username: '1000',
      ...init.profile,
    };
    this.vars = new Map(Object.entries(init.vars ?? {}));
    this.globals = new Map(Object.entries(init.globals ?? {}));
    this.nowMs = init.now ?? WED_1030_UTC;
  }

  field(name: string): string {
    return Object.prototype.hasOwnProperty.call(this.profile, name) ? this.profile[name]! : '';
  }
  getVariable(name: string): string | undefined {
    return this.vars.get(name) ?? (Object.prototype.hasOwnProperty.call(this.profile, name) ? this.profile[name] : undefined) ?? this.globals.get(name);
  }
  setVariable(name: string, value: string | undefined): void {
    if (value === undefined || value === '') this.vars.delete(name);
    else this.vars.set(name, value);
  }
  expand(template: string): Promise<string> {
    this.expanded.push(template);
    return expandVariables(template, { getVariable: (n) => this.getVariable(n), getGlobal: (n) => this.globals.get(n) });
  }
  /** Mimics core.executeApplication(..., {inline: true}) for set/unset; refuses unsafe apps. */
  async executeInline(app: string, data: string): Promise<void> {
    if (!ROUTING_SAFE_APPS.has(app)) {
      this.refused.push(app);
      return;
    }
    const d = await this.expand(data);
    this.inline.push({ app, data: d });
    if (app === 'set') {
      const eq = d.indexOf('=');
      this.setVariable(eq < 0 ? d : d.slice(0, eq), eq < 0 ? undefined : d.slice(eq + 1));
    } else if (app === 'unset') {
      this.setVariable(d.trim(), undefined);
    } else if (app === 'hangup_inline_test') {
      this.up = false;
    }
  }
  now(): number {
    return this.nowMs;
  }
  alive(): boolean {
    return this.up;
  }
}

/** A model as comparable data: source positions dropped, RegExps as /source/flags, Maps as entries. */
export function comparableModel(m: DialplanModel): unknown {
  return JSON.parse(
    JSON.stringify(
      { contexts: [...m.contexts.values()] },
      (key, val: unknown) => {
        if (key === 'source' && val !== null && typeof val === 'object') return undefined;
        if (val instanceof RegExp) return `/${val.source}/${val.flags}`;
        if (val instanceof Map) return [...val.entries()];
        return val;
      },
    ),
  );
}
