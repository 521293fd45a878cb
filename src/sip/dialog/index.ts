/** The dialog layer (RFC 3261 §12): dialog state, route sets, CSeq, target refresh, next hop. */
export {
  Dialog,
  dialogKey,
  requestDialogKey,
  responseDialogKey,
  type DialogRequestOptions,
  type DialogRole,
  type DialogState,
} from './dialog';
export { DialogTable } from './dialog-table';
export { targetForUri, uriTransport } from './next-hop';
