/**
 * The second embedded engine (EMBEDDED_ENGINE=ferretdb): FerretDB 1.24.2 with its SQLite backend,
 * where it lives, how it is built and how it is started.
 *
 * A plain `go install …/cmd/ferretdb@v1.24.2` builds a binary that panics at start ("Invalid
 * build/version/version.txt"): the release stamps that file, the module proxy copy does not have it.
 * So we copy the module source, stamp the version and `go build` it, once, into a per-user cache
 * shared by every checkout on the machine.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EngineLaunch, EngineMissingError } from './engine';

export const FERRETDB_VERSION = 'v1.24.2';
const MODULE = 'github.com/FerretDB/FerretDB';

export function ferretdbCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'dci-gateway', `ferretdb-${FERRETDB_VERSION}`);
}

/** The binary to run: FERRETDB_BIN if set, else the cached build. Undefined when neither exists. */
export function findFerretdb(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = [env.FERRETDB_BIN, path.join(ferretdbCacheDir(env), 'ferretdb')].filter(Boolean) as string[];
  return candidates.find((file) => {
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

export function goAvailable(): boolean {
  return spawnSync('go', ['version'], { stdio: 'ignore' }).status === 0;
}

/** Builds FerretDB into the cache. Throws with the tool's output when the build fails. */
export function buildFerretdb(log: (line: string) => void, env: NodeJS.ProcessEnv = process.env): string {
  const target = path.join(ferretdbCacheDir(env), 'ferretdb');
  fs.mkdirSync(path.dirname(target), { recursive: true });
  log(`building FerretDB ${FERRETDB_VERSION} with Go (about a minute, done once per machine)…`);
  const downloaded = JSON.parse(
    execFileSync('go', ['mod', 'download', '-json', `${MODULE}@${FERRETDB_VERSION}`], { encoding: 'utf8' }),
  ) as { Dir?: string; Error?: string };
  if (!downloaded.Dir) throw new Error(`go mod download failed: ${downloaded.Error ?? 'no directory'}`);

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ferretdb-src-'));
  try {
    fs.cpSync(downloaded.Dir, work, { recursive: true });
    makeWritable(work);
    fs.writeFileSync(path.join(work, 'build', 'version', 'version.txt'), `${FERRETDB_VERSION}\n`);
    const partial = `${target}.partial-${process.pid}`;
    execFileSync('go', ['build', '-trimpath', '-o', partial, './cmd/ferretdb'], { cwd: work, stdio: 'inherit' });
    fs.renameSync(partial, target); // atomic: a concurrent install never sees half a binary
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  return target;
}

function makeWritable(dir: string): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    fs.chmodSync(full, entry.isDirectory() ? 0o755 : 0o644);
    if (entry.isDirectory()) makeWritable(full);
  }
  fs.chmodSync(dir, 0o755);
}

/** FerretDB's command line: SQLite files under DATA_DIR/ferretdb, on a loopback port it logs when it listens. */
export function ferretdbLaunch(dataDir: string): EngineLaunch {
  const binary = findFerretdb();
  if (!binary) {
    throw new EngineMissingError(
      'EMBEDDED_ENGINE=ferretdb, but FerretDB is not installed. Install Go (https://go.dev/dl) and run ' +
        '`EMBEDDED_ENGINE=ferretdb npm run install-engine` to build it, or unset EMBEDDED_ENGINE to use the default engine.',
    );
  }
  const dbDir = path.join(dataDir, 'ferretdb');
  fs.mkdirSync(dbDir, { recursive: true });
  return {
    command: binary,
    args: [
      '--handler=sqlite',
      `--sqlite-url=file:${dbDir}/`,
      `--state-dir=${dbDir}`,
      '--listen-addr=127.0.0.1:0',
      '--debug-addr=127.0.0.1:0', // its default fixed port collides between parallel instances
      '--telemetry=disable',
      // Info, for the line that names the port; the level adds only a line per connection opened or closed.
      '--log-level=info',
      '--log-format=json',
    ],
    announces: { stream: 'stderr', port: /"msg":"Listening on TCP 127\.0\.0\.1:(\d+)\.\.\."/ },
  };
}
