/**
 * The public surface of src/sip/ (architecture.md: SipStack is the one door). Endpoints import
 * from here, not from files behind it. Other sip/ folders (auth, dialog) append their exports.
 */
export * from './message';
export {
  SipStack,
  type SipStackOptions,
  type ListenOptions,
  type StreamOptions,
  type StackCounters,
  type RequestHandler,
  type AckHandler,
  type CancelHandler,
  type ResponseHandler,
} from './stack';
export { ServerTransaction, type ReplyOptions } from './transaction/server-transaction';
export type { ClientTransaction, TransactionUser, TransactionLayerCounters } from './transaction/transaction-layer';
export type { ClientTransactionCallbacks, ClientTransactionView, ServerTransactionEvents } from './transaction/types';
export { makeCancel, makeNon2xxAck } from './transaction/messages';
export { DEFAULT_TIMERS, timerValues, type TimerConfig, type TimerValues } from './transaction/timers';
export type { InboundEnvelope, KeptMessage, SentMessage, TransportLayerCounters } from './transport/transport-layer';
export { keepSent } from './transport/transport-layer';
export type { HostPort, SendTarget, Transport, TransportCounters, TransportProtocol } from './transport/types';
export { DEFAULT_MAX_MESSAGE_SIZE, defaultPort } from './transport/types';
export type { ResponseHint } from './transport/via-routing';
export { LoopNetwork, LoopTransport, type LoopFaults } from './transport/loop';
export {
  checkRequest,
  checkMethod,
  checkUriScheme,
  checkRequire,
  checkContent,
  checkAcceptForSdp,
  nextHopMaxForwards,
  type UasPolicy,
  type UasRejection,
} from './uas-checks';
export * from './dialog';
