/**
 * The generated GraphQL types are checked in: each must be what GraphQL Code Generator makes of the
 * SDL in schema/ now, so a schema change without `npm run codegen` fails here (and in CI).
 * Generation runs in memory (nothing is written), in a child Node process: the codegen CLI loads
 * ES modules (yargs) that jest's module loader cannot require.
 */
import type { Types } from '@graphql-codegen/plugin-helpers';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import config from '../../codegen';
import { projectRoot } from '../../src/paths';

jest.setTimeout(120_000);

const root = projectRoot();

function generated(extraSdl: string[] = []) {
  const schema = [...(config.schema as string[]), ...extraSdl];
  const run = `require('@graphql-codegen/cli').generate(JSON.parse(require('fs').readFileSync(0, 'utf8')), false)
    .then((files) => process.stdout.write(JSON.stringify(files)))`;
  const output = execFileSync(process.execPath, ['-e', run], {
    cwd: root,
    input: JSON.stringify({ ...config, schema, cwd: root, silent: true }),
    timeout: 90_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const files = JSON.parse(output.toString()) as Types.FileOutput[];
  return new Map(files.map((f) => [path.relative(root, path.resolve(root, f.filename)), f.content]));
}

test('every generated file is checked in as GraphQL Code Generator makes it from schema/ (else run npm run codegen)', () => {
  const files = generated();
  expect([...files.keys()].sort()).toEqual(Object.keys(config.generates).sort());
  for (const [file, content] of files) {
    const checkedIn = fs.readFileSync(path.join(root, file), 'utf8');
    expect({ file, upToDate: checkedIn === content }).toEqual({ file, upToDate: true });
  }
});

test('a field added to the SDL changes the generated resolver types, so a stale file is caught', () => {
  const files = generated(['extend type Query { codegenProbe(id: ID!): Individual }']);
  const resolverTypes = files.get(path.normalize('src/graphql/generated/types.ts'));
  expect(resolverTypes).toContain('codegenProbe?: Resolver<');
  expect(resolverTypes).not.toBe(fs.readFileSync(path.join(root, 'src/graphql/generated/types.ts'), 'utf8'));
});
