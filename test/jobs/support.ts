import mongoose from 'mongoose';
import { createLogger } from '../../src/log';
import type { TestStore } from '../support/store';

export const log = createLogger('silent');

/** Waits until `check` holds; fails after `timeoutMs` (a safety net, not a timing assertion). */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A promise the test resolves by hand, to hold a handler mid-run. */
export function gate(): { wait: Promise<void>; open(): void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open };
}

/**
 * Another client on the same database, as another gateway process would have. Commands are not
 * buffered, so once it is closed every operation on it fails at once, as in a dead process.
 */
export async function otherConnection(store: TestStore): Promise<mongoose.Connection> {
  const uri = store.engine?.uri ?? process.env.TEST_MONGODB_URI;
  if (!uri) throw new Error('no database URI');
  return mongoose.createConnection(uri, { bufferCommands: false, autoIndex: false }).asPromise();
}
