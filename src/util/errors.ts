/**
 * One error catalogue (architecture.md habit 10). The control plane throws StrowgerError with a
 * stable code; the data plane counts and drops instead of throwing.
 */
export const ErrorCodes = {
  CONFIG_INVALID: 'config is invalid',
  CONFIG_NOT_FOUND: 'config file not found',
  SIP_PARSE: 'SIP message could not be parsed',
  SIP_TRANSPORT: 'SIP transport failure',
  SIP_TRANSACTION: 'SIP transaction error',
  SDP_PARSE: 'SDP could not be parsed',
  SDP_NO_COMMON_CODEC: 'no common codec',
  CODEC_UNKNOWN: 'unknown codec',
  CODEC_NATIVE: 'native codec failure',
  MEDIA_PORTS_EXHAUSTED: 'no free RTP port in range',
  CHANNEL_STATE: 'operation not allowed in this channel state',
  NOT_FOUND: 'not found',
  DIAL_STRING_INVALID: 'dial string could not be parsed',
  CDR_WRITE: 'CDR record could not be written',
  MEDIA_FILE: 'media file missing or unsupported',
  SIP_AUTH: 'SIP digest authentication failure',
  LOCATION_STORE: 'location store failure',
} as const;

export type ErrorCode = keyof typeof ErrorCodes;

export class StrowgerError extends Error {
  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message ?? ErrorCodes[code]);
    this.name = 'StrowgerError';
  }
}

export function isStrowgerError(e: unknown, code?: ErrorCode): e is StrowgerError {
  return e instanceof StrowgerError && (code === undefined || e.code === code);
}
