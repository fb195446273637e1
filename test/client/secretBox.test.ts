import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SECRET_KEY_FILE, SecretBox } from '../../src/dataSources/secretBox';

describe('SecretBox', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dci-secrets-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('creates its key file with mode 0600 and opens what it sealed, with the same key after a reopen', () => {
    const box = SecretBox.open(dir);
    expect(fs.statSync(path.join(dir, SECRET_KEY_FILE)).mode & 0o777).toBe(0o600);
    const sealed = box.seal('s3cret', 'dataSource:crvs:clientSecret');
    expect(sealed).not.toContain('s3cret');
    expect(SecretBox.open(dir).open(sealed, 'dataSource:crvs:clientSecret')).toBe('s3cret');
  });

  it('refuses a value moved to another context or altered', () => {
    const box = SecretBox.open(dir);
    const sealed = box.seal('s3cret', 'dataSource:a:token');
    expect(() => box.open(sealed, 'dataSource:b:token')).toThrow();
    const parts = sealed.split('.');
    parts[3] = Buffer.from('x').toString('base64url');
    expect(() => box.open(parts.join('.'), 'dataSource:a:token')).toThrow();
  });
});
