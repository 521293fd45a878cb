/**
 * The caller profile (FreeSWITCH switch_caller_profile_t): who is calling whom, through which
 * dialplan and context. Field names are FreeSWITCH's, so dialplan `field="caller_id_number"` and
 * `${destination_number}` address them directly (freeswitch-behaviour.md §5.2).
 */

export interface CallerProfile {
  username: string;
  dialplan: string;
  caller_id_name: string;
  caller_id_number: string;
  orig_caller_id_name: string;
  orig_caller_id_number: string;
  callee_id_name: string;
  callee_id_number: string;
  network_addr: string;
  ani: string;
  aniii: string;
  rdnis: string;
  destination_number: string;
  /** Module that created the channel, e.g. 'mod_sofia'. */
  source: string;
  context: string;
  chan_name: string;
  uuid: string;
  transfer_source: string;
  profile_index: string;
}

export const CALLER_PROFILE_FIELDS: readonly (keyof CallerProfile)[] = [
  'username',
  'dialplan',
  'caller_id_name',
  'caller_id_number',
  'orig_caller_id_name',
  'orig_caller_id_number',
  'callee_id_name',
  'callee_id_number',
  'network_addr',
  'ani',
  'aniii',
  'rdnis',
  'destination_number',
  'source',
  'context',
  'chan_name',
  'uuid',
  'transfer_source',
  'profile_index',
];

const FIELD_SET: ReadonlySet<string> = new Set(CALLER_PROFILE_FIELDS);

export function isCallerProfileField(name: string): name is keyof CallerProfile {
  return FIELD_SET.has(name);
}

/**
 * A profile with FreeSWITCH's defaults under `init`'s fields; `uuid` and `chanName`, when given,
 * override init.uuid and init.chan_name (the channel passes them instead of copying `init`).
 * ani and orig_caller_id_* default to the caller id.
 */
export function newCallerProfile(init: Partial<CallerProfile> = {}, uuid?: string, chanName?: string): CallerProfile {
  const cidName = init.caller_id_name ?? '';
  const cidNumber = init.caller_id_number ?? '';
  // One literal in CALLER_PROFILE_FIELDS order: every profile shares one shape.
  return {
    username: init.username ?? '',
    dialplan: init.dialplan ?? 'XML',
    caller_id_name: cidName,
    caller_id_number: cidNumber,
    orig_caller_id_name: init.orig_caller_id_name || cidName,
    orig_caller_id_number: init.orig_caller_id_number || cidNumber,
    callee_id_name: init.callee_id_name ?? '',
    callee_id_number: init.callee_id_number ?? '',
    network_addr: init.network_addr ?? '',
    ani: init.ani || cidNumber,
    aniii: init.aniii ?? '',
    rdnis: init.rdnis ?? '',
    destination_number: init.destination_number ?? '',
    source: init.source ?? '',
    context: init.context ?? 'default',
    chan_name: chanName ?? init.chan_name ?? '',
    uuid: uuid ?? init.uuid ?? '',
    transfer_source: init.transfer_source ?? '',
    profile_index: init.profile_index ?? '1',
  };
}

/** Header names of the `Caller-*` block (freeswitch-behaviour.md §10.3), in FreeSWITCH order. */
export const CALLER_HEADER_FIELDS: readonly [string, keyof CallerProfile][] = [
  ['Username', 'username'],
  ['Dialplan', 'dialplan'],
  ['Caller-ID-Name', 'caller_id_name'],
  ['Caller-ID-Number', 'caller_id_number'],
  ['Orig-Caller-ID-Name', 'orig_caller_id_name'],
  ['Orig-Caller-ID-Number', 'orig_caller_id_number'],
  ['Callee-ID-Name', 'callee_id_name'],
  ['Callee-ID-Number', 'callee_id_number'],
  ['Network-Addr', 'network_addr'],
  ['ANI', 'ani'],
  ['Destination-Number', 'destination_number'],
  ['Unique-ID', 'uuid'],
  ['Source', 'source'],
  ['Context', 'context'],
  ['Channel-Name', 'chan_name'],
  ['Profile-Index', 'profile_index'],
];
