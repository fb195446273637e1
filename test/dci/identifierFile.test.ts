import { createHash } from 'node:crypto';
import { IdentifierFileRefusal, readIdentifierFile, UPLOAD_REASONS } from '../../adapters/dci/server/identifierFile';

const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const read = (text: string, format = 'csv', maxCount = 5) => {
  const file = Buffer.from(text, 'utf8');
  return readIdentifierFile(file, { sha256: sha(file), format }, maxCount);
};
const reasonOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    if (error instanceof IdentifierFileRefusal) return { reason: error.reason, message: error.message };
    throw error;
  }
  throw new Error('not refused');
};

describe('identifier files of uploads', () => {
  it('reads CSV lines, with or without the column names, CRLF, a byte order mark and blank lines', () => {
    expect(read('type,value\nUIN,1001\nBRN, 2002 \n')).toEqual([['UIN', '1001'], ['BRN', '2002']]);
    expect(read('\uFEFFUIN,1001\r\n\r\nUIN,1002')).toEqual([['UIN', '1001'], ['UIN', '1002']]);
  });

  it('reads a JSON array of {type, value}, numbers as text', () => {
    expect(read('[{"type":"UIN","value":"1001"},{"type":"UIN","value":1002}]', 'JSON')).toEqual([['UIN', '1001'], ['UIN', '1002']]);
  });

  it('refuses what is not a list of identifiers, naming the line or entry', () => {
    expect(reasonOf(() => read('UIN,1\nUIN,2,3\n'))).toEqual({ reason: UPLOAD_REASONS.format, message: 'line 2 is not "type,value"' });
    expect(reasonOf(() => read('UIN,"1"\n')).reason).toBe(UPLOAD_REASONS.format);
    expect(reasonOf(() => read('[{"type":"UIN"}]', 'json'))).toEqual({ reason: UPLOAD_REASONS.format, message: 'entry 1 is not {"type": string, "value": string or number}' });
    expect(reasonOf(() => read('{"type":"UIN","value":"1"}', 'json')).reason).toBe(UPLOAD_REASONS.format);
    expect(reasonOf(() => read('[', 'json')).reason).toBe(UPLOAD_REASONS.format);
    expect(reasonOf(() => read('type,value\n')).message).toBe('the file lists no identifier');
    expect(reasonOf(() => read('UIN,1', 'xlsx')).reason).toBe(UPLOAD_REASONS.format);
    const latin1 = Buffer.from([0x55, 0x49, 0x4e, 0x2c, 0xe9]);
    expect(reasonOf(() => readIdentifierFile(latin1, { sha256: sha(latin1), format: 'csv' }, 5)).message).toBe('the file is not UTF-8 text');
  });

  it('refuses more identifiers than the limit, in either format', () => {
    expect(read('UIN,1\nUIN,2\n', 'csv', 2)).toHaveLength(2);
    expect(reasonOf(() => read('UIN,1\nUIN,2\nUIN,3\n', 'csv', 2)).reason).toBe(UPLOAD_REASONS.count);
    expect(reasonOf(() => read('[{"type":"UIN","value":1},{"type":"UIN","value":2},{"type":"UIN","value":3}]', 'json', 2)).reason).toBe(UPLOAD_REASONS.count);
  });

  it('refuses a file whose SHA-256 is not the one named, in either case of hex digits', () => {
    const file = Buffer.from('UIN,1\n');
    expect(readIdentifierFile(file, { sha256: sha(file).toUpperCase(), format: 'csv' }, 5)).toEqual([['UIN', '1']]);
    expect(reasonOf(() => readIdentifierFile(file, { sha256: sha(Buffer.from('UIN,2\n')), format: 'csv' }, 5)).reason).toBe(UPLOAD_REASONS.sha256);
  });
});
