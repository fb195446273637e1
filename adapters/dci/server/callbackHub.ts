/**
 * Where verified callbacks and notifications arriving on our receiver endpoints go: to whichever
 * client flow registered for the transaction (or for the action, e.g. every `notify`).
 */
export interface ReceivedCallback {
  action: string;
  senderId: string;
  transactionId: string | undefined;
  header: Record<string, unknown>;
  message: unknown;
}

type Listener = (callback: ReceivedCallback) => void | Promise<void>;

export class CallbackHub {
  private readonly byTransaction = new Map<string, Listener>();
  private readonly byAction = new Map<string, Set<Listener>>();

  /** Receives the callbacks of one transaction until the returned function is called. */
  awaitTransaction(transactionId: string, listener: Listener): () => void {
    this.byTransaction.set(transactionId, listener);
    return () => this.byTransaction.delete(transactionId);
  }

  onAction(action: string, listener: Listener): () => void {
    const set = this.byAction.get(action) ?? new Set();
    set.add(listener);
    this.byAction.set(action, set);
    return () => set.delete(listener);
  }

  /** Hands the callback over; returns false when nobody was waiting for it. */
  async dispatch(callback: ReceivedCallback): Promise<boolean> {
    const listeners = [
      ...(callback.transactionId ? [this.byTransaction.get(callback.transactionId)] : []),
      ...(this.byAction.get(callback.action) ?? []),
    ].filter((l): l is Listener => Boolean(l));
    for (const listener of listeners) await listener(callback);
    return listeners.length > 0;
  }
}
