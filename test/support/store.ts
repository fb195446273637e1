/**
 * A real embedded engine for a test file (EMBEDDED_ENGINE chooses which) on a throwaway data directory, started with the
 * gateway's own launcher. Never a mock.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openStore, Store } from '../../src/store/connection';
import { createLogger } from '../../src/log';

export interface TestStore extends Store {
  dataDir: string;
}

export async function startTestStore(): Promise<TestStore> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dci-gateway-test-'));
  const store = await openStore({ dataDir, log: createLogger('silent'), mongodbUri: process.env.TEST_MONGODB_URI });
  return {
    ...store,
    dataDir,
    async close() {
      await store.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
