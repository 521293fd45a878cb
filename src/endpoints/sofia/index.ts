/**
 * The sofia endpoint module: SIP profiles (ProfileServer), registrar, call handling (SofiaProfile:
 * inbound and outbound legs, dialogs, media), and the `sofia/` and `user/` dial-string endpoints.
 * The composition root (main.ts) wires them with attachCallHandling.
 */
export { SofiaProfile, type SofiaProfileOptions, type SofiaProfileCounters } from './sofia-profile';
export { SofiaEndpoint, userEndpoint } from './sofia-endpoint';
export { InboundLeg } from './inbound-leg';
export { OutboundLeg } from './outbound-leg';
export { SipLeg, parseDtmfRelay, Retransmit, type LegHost } from './sip-leg';
export { LegMedia, SofiaMediaHandle } from './leg-media';
export { parseSofiaDest, type ParsedDest } from './sofia-dest';
export { legCodecPrefs, prefsFromCodecString, profilePrefs, formatPrefs, hasImplementation, describeNegotiated } from './codec-prefs';
export { causeToSipStatus, sipStatusToCause, reasonHeaderFor, q850FromReason } from './sip-causes';
export { attachCallHandling, type CallHandling, type AttachCallHandlingOptions } from './call-handling';
