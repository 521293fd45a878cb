/** Public surface of src/directory. */
export { Directory } from './directory';
export type { DirectoryUser, DirectoryDomain, DirectoryOptions, UserDataKind } from './directory';
