/**
 * A machine without Java: the install step still succeeds, and starting the gateway says plainly
 * what to install, or to set MONGODB_URI, instead of failing with a stack trace.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

describe('without Java', () => {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'dci-gateway-nojava-'));
  // An empty engine cache, and a JAVA_HOME without a JDK in it.
  const { MONGODB_URI: _ignored, EMBEDDED_ENGINE: _default, ...env } = process.env;
  const noJava = { ...env, XDG_CACHE_HOME: path.join(scratch, 'cache'), JAVA_HOME: path.join(scratch, 'no-jdk'), DATA_DIR: path.join(scratch, 'data'), PORT: '0' };
  afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

  it('the install step succeeds and names what is missing', () => {
    const run = spawnSync(process.execPath, ['dist/src/store/installEngine.js'], { cwd: ROOT, env: noJava, encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stderr).toContain('needs a Java 17+ JDK');
    expect(run.stderr).toContain('MONGODB_URI');
  });

  it('serve exits with code 2 and says what to install or how to set MONGODB_URI', () => {
    const run = spawnSync(process.execPath, ['dist/src/cli/main.js', 'serve'], { cwd: ROOT, env: noJava, encoding: 'utf8', timeout: 60_000 });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('the embedded engine (mongo-java-server) is not installed: it needs a Java 17+ JDK');
    expect(run.stderr).toContain('set MONGODB_URI to a MongoDB 6+ server');
    expect(fs.existsSync(path.join(noJava.DATA_DIR, 'engine.lock'))).toBe(false);
  });
});
