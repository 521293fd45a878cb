/** Strowger's own version and the FreeSWITCH release whose behaviour it emulates. */
export const STROWGER_VERSION = '0.1.0';
export const FS_COMPAT_VERSION = '1.10.12';
