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

export function newCallerProfile(init: Partial<CallerProfile> = {}): CallerProfile {
  const p: CallerProfile = {
    username: '',
    dialplan: 'XML',
    caller_id_name: '',
    caller_id_number: '',
    orig_caller_id_name: '',
    orig_caller_id_number: '',
    callee_id_name: '',
    callee_id_number: '',
    network_addr: '',
    ani: '',
    aniii: '',
    rdnis: '',
    destination_number: '',
    source: '',
    context: 'default',
    chan_name: '',
    uuid: '',
    transfer_source: '',
    profile_index: '1',
  };
  for (const k of CALLER_PROFILE_FIELDS) {
    const v = init[k];
    if (v !== undefined) p[k] = v;
  }
  if (!p.ani) p.ani = p.caller_id_number;
  if (!p.orig_caller_id_name) p.orig_caller_id_name = p.caller_id_name;
  if (!p.orig_caller_id_number) p.orig_caller_id_number = p.caller_id_number;
  return p;
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
