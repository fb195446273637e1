/**
 * The README runs every command as `npx dci-gateway ...`. npm runs the project's own bin file
 * directly, so it must be executable: `npm run build` (run by `npm install`) makes it so, since the
 * compiler writes it without the execute bit.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

describe('npx dci-gateway', () => {
  it('runs the built CLI from the project directory, as the README does', () => {
    const help = execFileSync('npx', ['--no-install', 'dci-gateway', '--help'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(help).toMatch(/^Usage: dci-gateway /);
    expect(help).toContain('serve');
  });
});
