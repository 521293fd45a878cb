/**
 * Registries (architecture.md habit 12; FreeSWITCH SWITCH_ADD_APP / SWITCH_ADD_API): each entry has
 * a name, and where it applies a syntax and summary, so console help and completion are generated
 * from them. Names are case-insensitive.
 */
import type { ApiDefinition, AppDefinition, DialplanProvider, Endpoint } from './types';

export class Registry<T extends { readonly name: string }> {
  private readonly entries = new Map<string, T>();

  constructor(readonly kind: string) {}

  /**
   * Add an entry. Registering a name twice replaces the old entry (a module reload) and returns
   * the previous one.
   */
  register(entry: T): T | undefined {
    const key = entry.name.toLowerCase();
    const prev = this.entries.get(key);
    this.entries.set(key, entry);
    return prev;
  }

  unregister(name: string): boolean {
    return this.entries.delete(name.toLowerCase());
  }

  get(name: string): T | undefined {
    return this.entries.get(name.toLowerCase());
  }

  has(name: string): boolean {
    return this.entries.has(name.toLowerCase());
  }

  /** All entries sorted by name. */
  list(): T[] {
    return [...this.entries.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Names starting with `prefix` (console completion). */
  complete(prefix: string): string[] {
    const p = prefix.toLowerCase();
    return this.list()
      .map((e) => e.name)
      .filter((n) => n.toLowerCase().startsWith(p));
  }

  get size(): number {
    return this.entries.size;
  }
}

export class ApplicationRegistry extends Registry<AppDefinition> {
  constructor() {
    super('application');
  }
}

export class ApiRegistry extends Registry<ApiDefinition> {
  constructor() {
    super('api');
  }
}

export class EndpointRegistry extends Registry<Endpoint> {
  constructor() {
    super('endpoint');
  }
}

export class DialplanRegistry extends Registry<DialplanProvider> {
  constructor() {
    super('dialplan');
  }
}
