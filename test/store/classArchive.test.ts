/**
 * The default engine's class-data sharing archive, made by the install: the JVM accepts it for the
 * engine's own command line (`-Xshare:on` makes a JVM that cannot use it refuse to start).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { engineFromEnv } from '../../src/store/engine';
import { javaEngineLaunch } from '../../src/store/javaEngine';

const onJavaEngine = engineFromEnv() === 'mongo-java-server' && !process.env.TEST_MONGODB_URI ? describe : describe.skip;

onJavaEngine('the embedded engine\'s class archive', () => {
  it('is given to the engine, and the JVM can use it', () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dci-gateway-cds-'));
    try {
      const { command, args } = javaEngineLaunch(dataDir);
      const archive = args.find((arg) => arg.startsWith('-XX:SharedArchiveFile='))?.split('=')[1];
      expect(archive && fs.existsSync(archive)).toBe(true);
      // stdin closed: the engine starts, serves, and exits as when its gateway has gone.
      const run = spawnSync(command, ['-Xshare:on', ...args], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: 60_000 });
      expect({ status: run.status, stderr: run.stderr }).toMatchObject({ status: 0 }); // stderr shown when it fails
      expect(run.stdout).toMatch(/^listening \d+$/m);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
