/**
 * Install step (npm postinstall): make sure the embedded engine is available.
 * Never fails the install: without Go the gateway still runs against MONGODB_URI.
 */
import { buildEngine, findEngineBinary, goAvailable } from './engineBinary';

function main(): void {
  const say = (line: string): void => void process.stderr.write(`[dci-gateway] ${line}\n`);
  if (process.env.MONGODB_URI) return say('MONGODB_URI is set: the embedded engine is not needed.');
  const existing = findEngineBinary();
  if (existing) return say(`embedded engine ready: ${existing}`);
  if (!goAvailable()) {
    return say(
      'Go is not installed, so the embedded FerretDB engine cannot be built. Either install Go ' +
        '(https://go.dev/dl) and run `npm install` again, or set MONGODB_URI to a MongoDB 6+ server.',
    );
  }
  try {
    say(`embedded engine built: ${buildEngine(say)}`);
  } catch (error) {
    say(`could not build the embedded engine: ${(error as Error).message}`);
    say('set MONGODB_URI to a MongoDB 6+ server, or fix the Go toolchain and run `npm install` again.');
  }
}

main();
