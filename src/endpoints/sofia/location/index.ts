/** The location service: where registered users can be reached. */
export type {
  Binding,
  BindingMeta,
  BindingRefresh,
  ContactRequest,
  LocationStore,
  LookupOptions,
  MultipleRegistrations,
  NewBinding,
  RegisterOutcome,
  RegisterRejection,
  RegisterRequest,
} from './types';
export {
  MAX_EXPIRES_SECONDS,
  bindingStatus,
  compareBindings,
  grantedExpires,
  normalizeHost,
  planRegister,
  remainingSeconds,
  type ExpiresPolicy,
  type ExpiresRequest,
  type GrantedExpires,
  type RegisterPlan,
} from './register-plan';
export { MemoryLocationStore } from './memory-store';
export { SqliteLocationStore, type SqliteLocationStoreOptions } from './sqlite-store';
