/**
 * Wiring for the composition root (main.ts): one location store and one registrar per running
 * profile, the sofia_contact resolver over all of them, and the hook to the core once it exists.
 *
 *   startRegistrars({ config, directory, profiles })
 *     for each profile: open its store (registration-db in data-dir; ":memory:" = in memory;
 *     bindings that expired while down are purged on open), attach a Registrar, start its sweep
 *   .attachCore(core)   sofia::* events on the core's bus + the `sofia_contact` API
 *   .close()            registrars first, then stores (idempotent)
 */
import { basename, dirname } from 'node:path';
import type { ProfileConfig, StrowgerConfig } from '../../config';
import type { Core } from '../../core';
import type { Directory } from '../../directory';
import type { Clock } from '../../util/clock';
import { logger as rootLogger, type Logger } from '../../util/logger';
import { MemoryLocationStore, SqliteLocationStore, type LocationStore } from './location';
import type { ProfileServer } from './profile-server';
import { Registrar } from './registrar';
import { coreEventSink, type RegistrarEventSink } from './registrar-events';
import { registrarSettingsFromProfile } from './registrar-settings';
import { registerSofiaContactApi, SofiaContactResolver } from './sofia-contact';

export interface StartRegistrarsOptions {
  config: Pick<StrowgerConfig, 'profiles' | 'acls' | 'globals'>;
  directory: Directory;
  /** Running profile servers; each gets the registrar of the profile with its name. */
  profiles: readonly ProfileServer[];
  logger?: Logger;
  clock?: Clock;
  events?: RegistrarEventSink;
}

export interface RunningRegistrars {
  readonly registrars: readonly Registrar[];
  readonly stores: readonly LocationStore[];
  readonly resolver: SofiaContactResolver;
  /** Registrar of a profile by name. */
  get(profile: string): Registrar | undefined;
  /** Fire sofia::* events on the core's bus and register the sofia_contact API. */
  attachCore(core: Core): void;
  close(): Promise<void>;
}

/** Opens the profile's registration store: SQLite file in data-dir, or memory for ":memory:". */
export function openProfileStore(p: Pick<ProfileConfig, 'registrationDbPath'>, clock?: Clock): LocationStore {
  if (p.registrationDbPath === ':memory:') return new MemoryLocationStore({ clock });
  return SqliteLocationStore.open({ dir: dirname(p.registrationDbPath), fileName: basename(p.registrationDbPath), clock });
}

export function startRegistrars(opts: StartRegistrarsOptions): RunningRegistrars {
  const log = (opts.logger ?? rootLogger).child({ mod: 'sofia.registrars' });
  const registrars: Registrar[] = [];
  const stores: LocationStore[] = [];
  const entries: Array<{ registrar: Registrar; aliases: readonly string[] }> = [];
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    await Promise.allSettled(registrars.map((r) => r.close()));
    await Promise.allSettled(stores.map((s) => s.close()));
  };
  try {
    for (const server of opts.profiles) {
      const p = opts.config.profiles.find((x) => x.name === server.name);
      if (!p) continue;
      const store = openProfileStore(p, opts.clock);
      stores.push(store);
      if (store instanceof SqliteLocationStore) {
        log.info({ profile: p.name, path: store.path, purgedOnOpen: store.purgedOnOpen }, 'registration store open');
      }
      const registrar = new Registrar({
        profile: p.name,
        settings: registrarSettingsFromProfile(p),
        store,
        directory: opts.directory,
        acls: opts.config.acls,
        clock: opts.clock,
        logger: opts.logger,
        events: opts.events,
      })
        .attach(server)
        .start();
      registrars.push(registrar);
      entries.push({ registrar, aliases: p.aliases });
    }
  } catch (err) {
    void close();
    throw err;
  }
  const resolver = new SofiaContactResolver(entries, opts.config.globals.get('domain'));
  return {
    registrars,
    stores,
    resolver,
    get: (name) => registrars.find((r) => r.profile === name),
    attachCore(core: Core) {
      const sink = coreEventSink(core);
      for (const r of registrars) r.useEvents(sink);
      registerSofiaContactApi(core, resolver);
    },
    close,
  };
}
