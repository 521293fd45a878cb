/**
 * `error/<CAUSE>`: a leg that fails at once with that cause (freeswitch-behaviour.md §6.2), e.g.
 * `error/user_busy` -> USER_BUSY, `error/17` -> USER_BUSY; unknown -> DESTINATION_OUT_OF_ORDER.
 */
import { parseCause } from './causes';
import type { Endpoint } from './types';

export const errorEndpoint: Endpoint = {
  name: 'error',
  summary: 'fails the leg immediately with the given hangup cause',
  async originate(req) {
    return { cause: parseCause(req.data) ?? 'DESTINATION_OUT_OF_ORDER' };
  },
};
