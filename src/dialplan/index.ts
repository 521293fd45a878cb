/** Public surface of src/dialplan: XML + JSON loaders into one model; hunt -> [{app, data}]. */
export { buildDialplan, isStaticExpression } from './build-model';
export { huntDialplan, resolveContext, DEFAULT_MAX_FIELD_LENGTH, type HuntOptions, type HuntPlan } from './hunt';
export { loadDialplanFiles, readDialplanNodes, dialplanFromConfig, type LoadDialplanOptions } from './load';
export * from './model';
export { compilePcre, translatePcre, PatternCache, PatternError } from './pcre';
export { XmlDialplan, registerXmlDialplan, type XmlDialplanOptions } from './provider';
export { channelHuntSubject, profileField, type HuntSubject } from './subject';
export { substituteCaptures, captureArrayValue } from './substitute';
export { matchTime, parseTimeSpec, zonedTime, weekOfMonth, type TimeSpec, type TimeZoneSpec } from './time-match';
