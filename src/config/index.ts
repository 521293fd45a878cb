/** Public surface of src/config. */
export type { ConfigNode } from './types';
export { loadConfig, loadConfigSync, reloadConfig, findProfile, findGateway } from './load-config';
export type { LoadConfigOptions, StrowgerConfig, ReloadResult, NameDiff } from './load-config';
export type { ProfileConfig, ProfileDomain, CodecNegotiation, DtmfType, MultipleRegistrations, ManagePresence, CallerIdType, ForceRport } from './profile-types';
export type { GatewayConfig, GatewayVariable, GatewayVariableDirection } from './gateway';
export { isValidGatewayName } from './gateway';
export type { SwitchSettings, EventSocketConfig, LogLevel } from './switch-settings';
export { checkAcl, checkAclRefs, builtinAcls, parseAclRefs } from './acl';
export type { AclList, AclNode, AclRef, AclRegistry, AclVerdict } from './acl';
export { parseCidr, parseIp, cidrContains, isIpLiteral } from './net';
export type { Cidr, IpAddress } from './net';
export { checkDefaultPassword, VANILLA_DEFAULT_PASSWORD } from './default-password';
export { expandGlobals, builtinGlobals, guessLocalIp } from './globals';
export { ConfigProblems, displayPath, attr, childrenNamed } from './problems';
export type { ConfigProblem } from './problems';
export { parseBool } from './param-schema';
