/**
 * The dialogs a user agent holds, matched by dialog id (RFC 3261 §12.2.2: Call-ID, local tag =
 * To tag of an incoming request, remote tag = From tag). A request with a To tag that matches no
 * dialog gets 481 (§12.2.2), which is the caller's job; this table only answers "which dialog".
 *
 * Early dialogs of one UAC INVITE (forking, §12.1.2, §13.2.2.4) share Call-ID and local tag and
 * differ by remote tag; `byLocal` finds them all so a 2xx can pick its own and the rest go.
 *
 * Bounded: the owner decides the cap; add() refuses beyond it (flood bound, security.md).
 */
import type { Dialog } from './dialog';
import { dialogKey, requestDialogKey } from './dialog';
import type { SipRequest } from '../message/types';

export class DialogTable<T> {
  private readonly byKey = new Map<string, { dialog: Dialog; owner: T }>();

  constructor(private readonly maxDialogs = 100_000) {}

  get size(): number {
    return this.byKey.size;
  }

  /** Returns false (and stores nothing) when the table is full or the id is taken. */
  add(dialog: Dialog, owner: T): boolean {
    if (this.byKey.size >= this.maxDialogs) return false;
    const k = dialog.key;
    if (this.byKey.has(k)) return false;
    this.byKey.set(k, { dialog, owner });
    return true;
  }

  remove(dialog: Dialog): void {
    const e = this.byKey.get(dialog.key);
    if (e && e.dialog === dialog) this.byKey.delete(dialog.key);
  }

  get(callId: string, localTag: string, remoteTag: string): { dialog: Dialog; owner: T } | undefined {
    return this.byKey.get(dialogKey(callId, localTag, remoteTag));
  }

  /** The dialog an incoming in-dialog request belongs to (§12.2.2). */
  match(req: SipRequest): { dialog: Dialog; owner: T } | undefined {
    const k = requestDialogKey(req);
    return k === undefined ? undefined : this.byKey.get(k);
  }

  clear(): void {
    this.byKey.clear();
  }

  values(): IterableIterator<{ dialog: Dialog; owner: T }> {
    return this.byKey.values();
  }
}
