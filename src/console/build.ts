/**
 * Builds the web console and the GraphQL explorer into static assets with esbuild: one script and
 * one stylesheet each, every dependency bundled (no CDN), written to dist/console and dist/explorer.
 * `npm run build` runs it after tsc; the console's browser test runs it too, so it tests the sources.
 */
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { projectRoot } from '../paths';
import { builtAssetsDir, CONSOLE_DIR, EXPLORER_DIR } from './site';

/** Browsers of the last few years; what esbuild may leave untranspiled. */
const TARGETS = ['chrome110', 'firefox115', 'safari16', 'edge110'];

async function bundle(name: typeof CONSOLE_DIR | typeof EXPLORER_DIR, entry: string): Promise<void> {
  const sources = path.join(projectRoot(), 'src', 'console', name === CONSOLE_DIR ? 'web' : 'explorer');
  const outdir = builtAssetsDir(name);
  const staging = `${outdir}.${process.pid}.new`;
  fs.rmSync(staging, { recursive: true, force: true });
  await build({
    entryPoints: { [name]: path.join(sources, entry) },
    outdir: staging,
    bundle: true,
    format: 'esm',
    target: TARGETS,
    minify: true,
    sourcemap: 'linked',
    // The licences of the bundled libraries, in a file beside the bundle.
    legalComments: 'linked',
    define: { 'process.env.NODE_ENV': '"production"' },
    loader: { '.woff2': 'file', '.svg': 'file', '.png': 'file' },
    logLevel: 'warning',
  });
  fs.copyFileSync(path.join(sources, 'index.html'), path.join(staging, 'index.html'));
  swapIn(staging, outdir);
}

/**
 * Puts a finished build in place of the previous one in two renames, so that a gateway serving the
 * assets meanwhile (npm start, a browser test) never reads a half-written file.
 */
function swapIn(staging: string, outdir: string): void {
  const previous = `${outdir}.${process.pid}.old`;
  try {
    fs.renameSync(outdir, previous);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  try {
    fs.renameSync(staging, outdir);
  } catch (error) {
    // Another build put its assets in place at the same moment: they are as fresh as ours.
    if (!['ENOTEMPTY', 'EEXIST'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
    fs.rmSync(staging, { recursive: true, force: true });
  }
  fs.rmSync(previous, { recursive: true, force: true });
}

export async function buildConsole(): Promise<void> {
  await bundle(CONSOLE_DIR, 'main.ts');
  await bundle(EXPLORER_DIR, 'explorer.ts');
}

if (require.main === module) {
  buildConsole().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
