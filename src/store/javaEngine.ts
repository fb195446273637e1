/**
 * The default embedded engine: mongo-java-server 1.47.0 with its H2 (MVStore) backend, run on the
 * JVM through our launcher src/store/mongoJavaServer/DurableEngine.java, which commits the store
 * before acknowledging any write. `npm install` fetches the jars with Maven (the pom.xml beside the
 * launcher) and compiles the launcher, once per machine: the build lands in a per-user cache named
 * after the content of those two files, so a second install, or another checkout, reuses it.
 *
 * The build also holds a class-data sharing archive: the classes the engine loads to start, already
 * parsed and verified, which the JVM maps instead of reading them from the jars. With it the engine
 * starts in about half the time and CPU (0.35 s against 0.6 s here), which every CLI command and
 * every test that starts an engine pays. A JVM that cannot use the archive (Java updated since the
 * build) starts without it, as before.
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
/** The compiled launcher. A jar, not a folder of classes: the JVM shares no class read from a folder. */
const LAUNCHER_JAR = 'launcher.jar';
const CLASS_ARCHIVE = 'classes.jsa';

/** The cache folder of this exact launcher and dependency list. */
export function javaEngineCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const hash = createHash('sha256');
  for (const file of SOURCES) hash.update(fs.readFileSync(path.join(sourceDir(), file)));
  hash.update(`${LAUNCHER_JAR} ${CLASS_ARCHIVE}`); // the build's layout: a checkout expecting another builds its own
  const base = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'dci-gateway', `mongo-java-server-${MONGO_JAVA_SERVER_VERSION}-${hash.digest('hex').slice(0, 12)}`);
}

/** The built engine's folder, or undefined when `npm install` has not built it on this machine. */
export function findJavaEngine(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dir = javaEngineCacheDir(env);
  return fs.existsSync(path.join(dir, LAUNCHER_JAR)) ? dir : undefined;
}

const works = (command: string, args: string[]) => spawnSync(command, args, { stdio: 'ignore' }).status === 0;
const jdkTool = (tool: string, env: NodeJS.ProcessEnv) => (env.JAVA_HOME ? path.join(env.JAVA_HOME, 'bin', tool) : tool);
export const javaCommand = (env: NodeJS.ProcessEnv = process.env) => jdkTool('java', env);
const javacCommand = (env: NodeJS.ProcessEnv = process.env) => jdkTool('javac', env);
/** The class path, in the one form the archive was made with: the JVM checks it before using the archive. */
const classPath = (home: string) => `${path.join(home, LAUNCHER_JAR)}${path.delimiter}${path.join(home, 'lib')}/*`;
const heapOption = (env: NodeJS.ProcessEnv) => `-Xmx${env.EMBEDDED_ENGINE_HEAP?.trim() || DEFAULT_HEAP}`;
const COLLECTOR = '-XX:+UseSerialGC'; // one small collector: the engine serves one gateway on a shared machine

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
    const classes = path.join(work, 'classes');
    execFileSync(javacCommand(env), ['--release', '17', '-nowarn', '-cp', `${path.join(work, 'lib')}/*`, '-d', classes, path.join(sourceDir(), 'DurableEngine.java')], { stdio: ['ignore', 'inherit', 'inherit'] });
    execFileSync(jdkTool('jar', env), ['--create', '--file', path.join(work, LAUNCHER_JAR), '-C', classes, '.'], { stdio: ['ignore', 'inherit', 'inherit'] });
    fs.rmSync(classes, { recursive: true });
    fs.rmSync(target, { recursive: true, force: true });
    fs.renameSync(work, target); // atomic: a concurrent install never sees half a build
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  if (!archiveClasses(target, env)) say('the class-data sharing archive could not be made: the engine starts without it, about 0.3 s slower');
  return target;
}

/**
 * Makes the class-data sharing archive with one start of the engine on a throwaway store: it serves,
 * finds its stdin closed, and exits, and the JVM writes the classes it loaded. Made in the build's
 * final folder, since the archive records the class path it was made with.
 */
function archiveClasses(home: string, env: NodeJS.ProcessEnv): boolean {
  const storeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'dci-gateway-archive-'));
  const partial = path.join(home, `${CLASS_ARCHIVE}.partial-${process.pid}`);
  try {
    const run = spawnSync(
      javaCommand(env),
      [heapOption(env), COLLECTOR, `-XX:ArchiveClassesAtExit=${partial}`, '-cp', classPath(home), 'DurableEngine', path.join(storeDir, 'dci.mv.db')],
      { stdio: 'ignore', timeout: 60_000 },
    );
    if (run.status !== 0 || !fs.existsSync(partial)) return false;
    fs.renameSync(partial, path.join(home, CLASS_ARCHIVE));
    return true;
  } finally {
    fs.rmSync(partial, { force: true });
    fs.rmSync(storeDir, { recursive: true, force: true });
  }
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
  const archive = path.join(home, CLASS_ARCHIVE);
  return {
    command: javaCommand(env),
    args: [
      heapOption(env),
      COLLECTOR,
      // Without its warning when the archive no longer fits this Java: the engine starts all the same.
      ...(fs.existsSync(archive) ? [`-XX:SharedArchiveFile=${archive}`, '-Xlog:cds=off,cds+dynamic=off'] : []),
      '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
      '-cp',
      classPath(home),
      'DurableEngine',
      path.join(storeDir, 'dci.mv.db'),
    ],
    announces: { stream: 'stdout', port: /^listening (\d+)$/ },
  };
}
