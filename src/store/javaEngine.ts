/**
 * The default embedded engine: mongo-java-server 1.47.0 with its H2 (MVStore) backend, run on the
 * JVM through our launcher src/store/mongoJavaServer/DurableEngine.java, which commits the store
 * before acknowledging any write. `npm install` fetches the jars with Maven (the pom.xml beside the
 * launcher) and compiles the launcher, once per machine: the build lands in a per-user cache named
 * after the content of those two files, so a second install, or another checkout, reuses it.
 */
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../paths';
import { EngineLaunch, EngineMissingError } from './engine';

export const MONGO_JAVA_SERVER_VERSION = '1.47.0';
const DEFAULT_HEAP = '1g';

const sourceDir = () => path.join(projectRoot(), 'src', 'store', 'mongoJavaServer');
const SOURCES = ['pom.xml', 'DurableEngine.java'];

/** The cache folder of this exact launcher and dependency list. */
export function javaEngineCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const hash = createHash('sha256');
  for (const file of SOURCES) hash.update(fs.readFileSync(path.join(sourceDir(), file)));
  const base = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'dci-gateway', `mongo-java-server-${MONGO_JAVA_SERVER_VERSION}-${hash.digest('hex').slice(0, 12)}`);
}

/** The built engine's folder, or undefined when `npm install` has not built it on this machine. */
export function findJavaEngine(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dir = javaEngineCacheDir(env);
  return fs.existsSync(path.join(dir, 'classes', 'DurableEngine.class')) ? dir : undefined;
}

const works = (command: string, args: string[]) => spawnSync(command, args, { stdio: 'ignore' }).status === 0;
export const javaCommand = (env: NodeJS.ProcessEnv = process.env) => (env.JAVA_HOME ? path.join(env.JAVA_HOME, 'bin', 'java') : 'java');
const javacCommand = (env: NodeJS.ProcessEnv = process.env) => (env.JAVA_HOME ? path.join(env.JAVA_HOME, 'bin', 'javac') : 'javac');

/** What is missing to build the engine here, in words for the person installing; undefined if nothing. */
export function missingBuildTools(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const missing = [
    !works(javacCommand(env), ['-version']) && 'a Java 17+ JDK (Debian: apt install openjdk-17-jdk-headless)',
    !works('mvn', ['-v']) && 'Maven (Debian: apt install maven)',
  ].filter(Boolean);
  return missing.length > 0 ? missing.join(' and ') : undefined;
}

/** Fetches the jars and compiles the launcher into the cache. Throws with the tools' output on failure. */
export function buildJavaEngine(say: (line: string) => void, env: NodeJS.ProcessEnv = process.env): string {
  const target = javaEngineCacheDir(env);
  const work = `${target}.partial-${process.pid}`;
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  say(`fetching mongo-java-server ${MONGO_JAVA_SERVER_VERSION} and H2 with Maven, compiling the launcher (once per machine)…`);
  try {
    execFileSync('mvn', ['-q', '-B', '-Dstyle.color=never', '-f', path.join(sourceDir(), 'pom.xml'), 'dependency:copy-dependencies', `-DoutputDirectory=${path.join(work, 'lib')}`], { stdio: ['ignore', 'inherit', 'inherit'] });
    execFileSync(javacCommand(env), ['--release', '17', '-nowarn', '-cp', `${path.join(work, 'lib')}/*`, '-d', path.join(work, 'classes'), path.join(sourceDir(), 'DurableEngine.java')], { stdio: ['ignore', 'inherit', 'inherit'] });
    fs.rmSync(target, { recursive: true, force: true });
    fs.renameSync(work, target); // atomic: a concurrent install never sees half a build
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  return target;
}

/** The JVM's command line: the store file under DATA_DIR, an explicit heap, warnings only. */
export function javaEngineLaunch(dataDir: string, env: NodeJS.ProcessEnv = process.env): EngineLaunch {
  const home = findJavaEngine(env);
  if (!home) {
    const missing = missingBuildTools(env);
    throw new EngineMissingError(
      missing
        ? `the embedded engine (mongo-java-server) is not installed: it needs ${missing}. Install ${missing.includes(' and ') ? 'them' : 'it'} and run \`npm install\` again.`
        : 'the embedded engine (mongo-java-server) is not installed. Run `npm install` (or `npm run install-engine`) again.',
    );
  }
  const storeDir = path.join(dataDir, 'mongo-java-server');
  fs.mkdirSync(storeDir, { recursive: true });
  return {
    command: javaCommand(env),
    args: [
      `-Xmx${env.EMBEDDED_ENGINE_HEAP?.trim() || DEFAULT_HEAP}`,
      '-XX:+UseSerialGC', // one small collector: the engine serves one gateway on a shared machine
      '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
      '-cp',
      `${path.join(home, 'classes')}${path.delimiter}${path.join(home, 'lib')}/*`,
      'DurableEngine',
      path.join(storeDir, 'dci.mv.db'),
    ],
    announces: { stream: 'stdout', port: /^listening (\d+)$/ },
  };
}
