/**
 * The location service (RFC 3261 §10.3): bindings of an address-of-record to contact URIs, as
 * FreeSWITCH keeps them in `sip_registrations` (freeswitch-behaviour.md §1.4, §7.2).
 *
 * The interface is asynchronous so that a networked store (PostgreSQL, Redis) can implement it
 * later; the SQLite and in-memory stores answer synchronously underneath.
 */

/** FS `multiple-registrations`: off = one contact per user; contact = one row per distinct
 * Contact; call-id = one row per Call-ID. */
export type MultipleRegistrations = 'off' | 'contact' | 'call-id';

/** Everything about one binding (one row). Times are wall-clock ms since the epoch. */
export interface Binding {
  id: number;
  profile: string;
  /** AOR user part (case-sensitive, as registered). */
  user: string;
  /** AOR host (domain), lower-case. */
  host: string;
  /** The contact URI with its uri-params (e.g. `sip:1001@192.0.2.7:5062;transport=tcp`). */
  contact: string;
  callId: string;
  cseq: number;
  /** Absolute expiry, wall-clock ms. */
  expiresAt: number;
  /** Contact q-value 0..1, or null when the contact had none. */
  q: number | null;
  /** Transport the REGISTER arrived on: UDP, TCP, TLS, WS, WSS. */
  transport: string;
  receivedIp: string;
  receivedPort: number;
  /** Our listener that received it (the socket to send from). */
  localIp: string;
  localPort: number;
  userAgent: string;
  /** FS status string: `Registered(UDP)`, `Registered(UDP-NAT)`, `Registered(TCP)` ... */
  status: string;
  nat: boolean;
  /** Where to really send requests for a NATed contact (FS `fs_path`), e.g. `sip:192.0.2.7:31337`. */
  routeTarget: string | null;
  /** Digest username and realm that authenticated it (FS sip_username / sip_realm). */
  authUsername: string | null;
  authRealm: string | null;
  createdAt: number;
  updatedAt: number;
}

/** A binding to insert: the store assigns id; created/updated default to now. */
export type NewBinding = Omit<Binding, 'id' | 'createdAt' | 'updatedAt'> & { createdAt?: number; updatedAt?: number };

/** Per-request facts copied onto every binding a REGISTER adds or refreshes. */
export type BindingMeta = Pick<
  Binding,
  'transport' | 'receivedIp' | 'receivedPort' | 'localIp' | 'localPort' | 'userAgent' | 'status' | 'nat' | 'routeTarget' | 'authUsername' | 'authRealm'
>;

/** Fields a refresh may change. */
export type BindingRefresh = Partial<Omit<Binding, 'id' | 'profile' | 'user' | 'host' | 'createdAt'>>;

export interface ContactRequest {
  /** Contact URI with uri-params, or `*` (RFC 3261 §10.2.2 wildcard). Compared as a string:
   * the registrar passes one canonical form per URI. */
  contact: string;
  /** Granted expiry in seconds (see grantedExpires); 0 removes the binding. */
  expires: number;
  q?: number | null;
}

/** One REGISTER, as the registrar hands it to the store after authentication. */
export interface RegisterRequest {
  profile: string;
  user: string;
  host: string;
  callId: string;
  cseq: number;
  /** The request's contacts; empty = a query (RFC 3261 §10.2.3), bindings returned unchanged. */
  contacts: ContactRequest[];
  policy: MultipleRegistrations;
  /** FS max-registrations-per-extension; 0 or absent = unlimited. */
  maxBindings?: number;
  /** Wall-clock ms of the request. */
  now: number;
  meta: BindingMeta;
}

export type RegisterRejection = {
  ok: false;
  /**
   * - invalid-wildcard: `*` with other contacts or a non-zero expiry → 400 (RFC 3261 §10.3 step 6)
   * - out-of-order: same Call-ID with CSeq not above the stored one → the request fails; RFC 3261
   *   §10.3 steps 7-8 make the update atomic and a failed update a 500
   * - too-many-bindings: over maxBindings → 403 (FS)
   */
  reason: 'invalid-wildcard' | 'out-of-order' | 'too-many-bindings';
  status: 400 | 403 | 500;
  detail: string;
};

export type RegisterOutcome =
  | {
      ok: true;
      /** All current bindings of the AOR on this profile after the update (for the 200's Contacts). */
      bindings: Binding[];
      added: Binding[];
      refreshed: Binding[];
      removed: Binding[];
    }
  | RegisterRejection;

export interface LookupOptions {
  /** Only this profile's bindings (default: every profile, like sofia_contact(*\/user@host)). */
  profile?: string;
  /** Hide bindings expired at this wall-clock time (default: the store's clock). */
  now?: number;
}

export interface LocationStore {
  /** Applies one REGISTER atomically (RFC 3261 §10.3 steps 6-8): all or nothing. */
  applyRegister(req: RegisterRequest): Promise<RegisterOutcome>;
  /** Low-level insert (tests, imports, other registrars). */
  add(binding: NewBinding): Promise<Binding>;
  /** Low-level update of one row; undefined when it does not exist. */
  refresh(id: number, patch: BindingRefresh): Promise<Binding | undefined>;
  remove(id: number): Promise<boolean>;
  /** Removes every binding of an AOR (on one profile, or all); returns how many. */
  removeAor(user: string, host: string, profile?: string): Promise<number>;
  /** Live bindings of user@host, best first (q desc, then most recently updated). */
  lookup(user: string, host: string, opts?: LookupOptions): Promise<Binding[]>;
  /** Every stored binding (expired ones included until purged), optionally for one profile. */
  list(profile?: string): Promise<Binding[]>;
  count(profile?: string): Promise<number>;
  /** Deletes bindings with expiresAt <= now and returns them (for sofia::expire events). */
  purgeExpired(now: number): Promise<Binding[]>;
  /** Idempotent. Later calls reject with StrowgerError('LOCATION_STORE'). */
  close(): Promise<void>;
}
