/**
 * Transaction timer values (RFC 3261 §17 and Table 4 in Appendix A; RFC 6026 §8.4 for L and M).
 * Nothing here is global: every SipStack passes its own TimerConfig (architecture.md habit 3).
 *
 *   Timer  Value                         Section    Meaning
 *   A      initially T1 (x2 each time)   17.1.1.2   INVITE request retransmit (unreliable only)
 *   B      64*T1                         17.1.1.2   INVITE transaction timeout
 *   D      > 32 s unreliable, 0 reliable 17.1.1.2   wait time for response retransmits
 *   E      initially T1, min(2E, T2)     17.1.2.2   non-INVITE request retransmit (unreliable only)
 *   F      64*T1                         17.1.2.2   non-INVITE transaction timeout
 *   G      initially T1, min(2G, T2)     17.2.1     INVITE final response retransmit (unreliable)
 *   H      64*T1                         17.2.1     wait time for ACK receipt
 *   I      T4 unreliable, 0 reliable     17.2.1     wait time for ACK retransmits
 *   J      64*T1 unreliable, 0 reliable  17.2.2     wait time for non-INVITE request retransmits
 *   K      T4 unreliable, 0 reliable     17.1.2.2   wait time for response retransmits
 *   L      64*T1                         RFC 6026   wait time for accepted INVITE retransmits
 *   M      64*T1                         RFC 6026   wait time for retransmission of 2xx
 */
import { StrowgerError } from '../../util/errors';

export interface TimerConfig {
  /** RTT estimate, default 500 ms. */
  T1: number;
  /** Maximum retransmit interval for non-INVITE requests and INVITE responses, default 4 s. */
  T2: number;
  /** Maximum time a message remains in the network, default 5 s. */
  T4: number;
  /**
   * Timer D for unreliable transports. The RFC says "> 32 s"; the default is 64*T1, which is
   * exactly 32 s at T1 = 500 ms and scales with T1 in tests.
   */
  D?: number;
}

export const DEFAULT_TIMERS: TimerConfig = { T1: 500, T2: 4000, T4: 5000 };

export interface TimerValues {
  A: number;
  B: number;
  D: number;
  E: number;
  F: number;
  G: number;
  H: number;
  I: number;
  J: number;
  K: number;
  L: number;
  M: number;
  T1: number;
  T2: number;
}

/** Concrete values for one transaction; reliable transports zero D, I, J, K (§17.1.1.2 ...). */
export function timerValues(cfg: TimerConfig, reliable: boolean): TimerValues {
  const t64 = 64 * cfg.T1;
  return {
    A: cfg.T1,
    B: t64,
    D: reliable ? 0 : (cfg.D ?? t64),
    E: cfg.T1,
    F: t64,
    G: cfg.T1,
    H: t64,
    I: reliable ? 0 : cfg.T4,
    J: reliable ? 0 : t64,
    K: reliable ? 0 : cfg.T4,
    L: t64,
    M: t64,
    T1: cfg.T1,
    T2: cfg.T2,
  };
}

export function resolveTimers(partial?: Partial<TimerConfig>): TimerConfig {
  const cfg = { ...DEFAULT_TIMERS, ...(partial ?? {}) };
  for (const k of ['T1', 'T2', 'T4'] as const) {
    const v = cfg[k];
    if (!Number.isFinite(v) || v <= 0) {
      throw new StrowgerError('CONFIG_INVALID', `timer ${k} must be a positive number, got ${v}`);
    }
  }
  return cfg;
}
