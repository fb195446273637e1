/**
 * Install step (npm postinstall, and `npm run install-engine`): make sure the embedded engine is
 * there. The default, mongo-java-server, is built when Java and Maven are present; FerretDB, the
 * second engine, only when EMBEDDED_ENGINE=ferretdb asks for it (it takes Go about a minute).
 * Never fails the install: without the tools the gateway still runs against MONGODB_URI, and
 * `npm start` says what is missing.
 */
import { engineFromEnv } from './engine';
import { buildFerretdb, findFerretdb, goAvailable } from './ferretdb';
import { buildJavaEngine, findJavaEngine, missingBuildTools } from './javaEngine';

const say = (line: string): void => void process.stderr.write(`[dci-gateway] ${line}\n`);

function installJavaEngine(): void {
  const existing = findJavaEngine();
  if (existing) return say(`embedded engine ready: ${existing}`);
  const missing = missingBuildTools();
  if (missing) {
    return say(`the embedded engine (mongo-java-server) needs ${missing}; install and run \`npm install\` again, or set MONGODB_URI to a MongoDB 6+ server.`);
  }
  try {
    say(`embedded engine built: ${buildJavaEngine(say)}`);
  } catch (error) {
    say(`could not build the embedded engine: ${(error as Error).message}`);
    say('set MONGODB_URI to a MongoDB 6+ server, or fix Java/Maven and run `npm install` again.');
  }
}

function installFerretdb(): void {
  const existing = findFerretdb();
  if (existing) return say(`FerretDB ready: ${existing}`);
  if (!goAvailable()) return say('EMBEDDED_ENGINE=ferretdb needs Go (https://go.dev/dl) to build FerretDB; install it and run `npm run install-engine` again.');
  try {
    say(`FerretDB built: ${buildFerretdb(say)}`);
  } catch (error) {
    say(`could not build FerretDB: ${(error as Error).message}`);
  }
}

function main(): void {
  if (process.env.MONGODB_URI) return say('MONGODB_URI is set: the embedded engine is not needed.');
  if (engineFromEnv() === 'ferretdb') installFerretdb();
  else installJavaEngine();
}

main();
