/**
 * The channel state machine (freeswitch-behaviour.md §10.3; FreeSWITCH switch_core_state_machine.c),
 * one transition table, anything not in it is refused.
 *
 *   CS_NEW -> CS_INIT -> CS_ROUTING -> CS_EXECUTE <-> CS_EXCHANGE_MEDIA (bridged)
 *                 |           |             |  \--> CS_PARK, CS_CONSUME_MEDIA (originated B legs)
 *                 |           |<- transfer -/
 *                 +-----------+------------------> CS_HANGUP -> CS_REPORTING -> CS_DESTROY
 *
 * Every live state may go to CS_HANGUP; CS_HANGUP only to CS_REPORTING; CS_REPORTING only to
 * CS_DESTROY; CS_DESTROY is final.
 */

export const CHANNEL_STATES = [
  'CS_NEW',
  'CS_INIT',
  'CS_ROUTING',
  'CS_SOFT_EXECUTE',
  'CS_EXECUTE',
  'CS_EXCHANGE_MEDIA',
  'CS_PARK',
  'CS_CONSUME_MEDIA',
  'CS_HIBERNATE',
  'CS_RESET',
  'CS_HANGUP',
  'CS_REPORTING',
  'CS_DESTROY',
  'CS_NONE',
] as const;

export type ChannelState = (typeof CHANNEL_STATES)[number];

/** `Channel-State-Number` header: the enum value in FreeSWITCH. */
export function channelStateNumber(s: ChannelState): number {
  return CHANNEL_STATES.indexOf(s);
}

const LIVE_WORK: ChannelState[] = [
  'CS_ROUTING',
  'CS_SOFT_EXECUTE',
  'CS_EXECUTE',
  'CS_EXCHANGE_MEDIA',
  'CS_PARK',
  'CS_CONSUME_MEDIA',
  'CS_HIBERNATE',
  'CS_RESET',
  'CS_HANGUP',
];

/** from -> allowed targets. */
export const CHANNEL_TRANSITIONS: Readonly<Record<ChannelState, readonly ChannelState[]>> = {
  CS_NEW: ['CS_INIT', 'CS_HANGUP'],
  CS_INIT: LIVE_WORK,
  CS_ROUTING: LIVE_WORK, // ROUTING -> ROUTING: a transfer while hunting re-enters routing
  CS_SOFT_EXECUTE: LIVE_WORK,
  CS_EXECUTE: LIVE_WORK,
  CS_EXCHANGE_MEDIA: LIVE_WORK,
  CS_PARK: LIVE_WORK,
  CS_CONSUME_MEDIA: LIVE_WORK,
  CS_HIBERNATE: LIVE_WORK,
  CS_RESET: LIVE_WORK,
  CS_HANGUP: ['CS_REPORTING'],
  CS_REPORTING: ['CS_DESTROY'],
  CS_DESTROY: [],
  CS_NONE: [],
};

export function canTransition(from: ChannelState, to: ChannelState): boolean {
  if (from === to && from !== 'CS_ROUTING') return false;
  return CHANNEL_TRANSITIONS[from].includes(to);
}

/** States at or past CS_HANGUP. */
export function isHungUpState(s: ChannelState): boolean {
  return s === 'CS_HANGUP' || s === 'CS_REPORTING' || s === 'CS_DESTROY';
}

/** Call states (`Channel-Call-State`). */
export const CALL_STATES = ['DOWN', 'DIALING', 'RINGING', 'EARLY', 'ACTIVE', 'HELD', 'RING_WAIT', 'HANGUP', 'UNHELD'] as const;
export type CallState = (typeof CALL_STATES)[number];

/** `Answer-State`. */
export type AnswerState = 'ringing' | 'early' | 'answered' | 'hangup';
