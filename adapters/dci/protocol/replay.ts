/**
 * Replay guard (README "Replay"): a `message_ts` outside the window around now is
 * `rjct.message_ts.invalid`; a `message_id` already seen from the same sender within the retention
 * period (24 h) is `rjct.message_id.duplicate`. The store is the only state, so every gateway process
 * sharing a database shares the guard. It is the last check a message passes: only an accepted message
 * uses up its id, and one whose handling then failed is forgotten, so the partner may send it again.
 */
import type { HeaderReasonCode } from './codes';

export interface ReplayStore {
  /** Records (senderId, messageId) until expiresAt; false when it is already recorded and unexpired. */
  remember(senderId: string, messageId: string, expiresAt: Date): Promise<boolean>;
  /** Drops the record of (senderId, messageId), so the id may be used again. */
  forget(senderId: string, messageId: string): Promise<void>;
}

export interface ReplayGuardOptions {
  /** Largest accepted distance between `message_ts` and now, either way; default 5 minutes. */
  windowMs?: number;
  /** How long a message id stays remembered; default 24 hours. */
  retentionMs?: number;
  now?: () => number;
}

export type ReplayVerdict = { ok: true } | { ok: false; reason: Extract<HeaderReasonCode, 'rjct.message_ts.invalid' | 'rjct.message_id.duplicate'> };

/** ISO 8601 date-time with a timezone, as the spec's DateTime requires. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

export class ReplayGuard {
  private readonly windowMs: number;
  private readonly retentionMs: number;
  private readonly now: () => number;

  constructor(
    private readonly store: ReplayStore,
    opts: ReplayGuardOptions = {},
  ) {
    this.windowMs = opts.windowMs ?? 5 * 60 * 1000;
    this.retentionMs = opts.retentionMs ?? 24 * 3600 * 1000;
    this.now = opts.now ?? Date.now;
    // A message must be remembered at least as long as its timestamp stays acceptable.
    if (this.retentionMs < 2 * this.windowMs) throw new Error('replay retention must cover twice the message_ts window');
  }

  async check(header: { sender_id: string; message_id: string; message_ts: string }): Promise<ReplayVerdict> {
    const now = this.now();
    const sent = DATE_TIME.test(header.message_ts) ? Date.parse(header.message_ts) : NaN;
    if (Number.isNaN(sent) || Math.abs(now - sent) > this.windowMs) return { ok: false, reason: 'rjct.message_ts.invalid' };
    const fresh = await this.store.remember(header.sender_id, header.message_id, new Date(now + this.retentionMs));
    return fresh ? { ok: true } : { ok: false, reason: 'rjct.message_id.duplicate' };
  }

  /** Gives back the id of a message that `check` accepted but that was not handled after all. */
  forget(header: { sender_id: string; message_id: string }): Promise<void> {
    return this.store.forget(header.sender_id, header.message_id);
  }
}
