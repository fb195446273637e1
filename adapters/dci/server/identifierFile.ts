/**
 * The identifier file of an upload (uploads.yaml): read from its bytes, checked against what the
 * signed envelope says of it (SHA-256, format) and against the route's count limit. Pure; each
 * refusal carries the reason its ERR acknowledgement starts with.
 */
import { createHash } from 'node:crypto';

/** One identifier as listed; its position in the file (1-based) is its reference_id. */
export type ListedIdentifier = [type: string, value: string];

export const UPLOAD_REASONS = {
  tooLarge: 'upload.too_large',
  format: 'upload.format.invalid',
  count: 'rjct.total_count.limit_exceeded',
  sha256: 'upload.sha256.mismatch',
  pending: 'upload.pending.limit_exceeded',
} as const;
export type UploadReason = (typeof UPLOAD_REASONS)[keyof typeof UPLOAD_REASONS];

export class IdentifierFileRefusal extends Error {
  constructor(
    readonly reason: UploadReason,
    message: string,
  ) {
    super(message);
  }
}

const formatInvalid = (message: string): never => {
  throw new IdentifierFileRefusal(UPLOAD_REASONS.format, message);
};

export const FILE_FORMATS = ['csv', 'json'] as const;

/** What the envelope's message says of the file. */
export interface FileDescription {
  sha256: string;
  format: string;
}

/** The identifiers of `file`, once it is the file the envelope names and within `maxCount`. */
export function readIdentifierFile(file: Buffer, described: FileDescription, maxCount: number): ListedIdentifier[] {
  const sha256 = createHash('sha256').update(file).digest('hex');
  if (sha256 !== described.sha256.toLowerCase()) {
    throw new IdentifierFileRefusal(UPLOAD_REASONS.sha256, 'the file part does not have the SHA-256 the signed message names');
  }
  const format = described.format.toLowerCase();
  if (!(FILE_FORMATS as readonly string[]).includes(format)) formatInvalid(`file.format must be csv or json, got ${JSON.stringify(described.format.slice(0, 20))}`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(file);
  } catch {
    return formatInvalid('the file is not UTF-8 text');
  }
  const identifiers = format === 'csv' ? readCsv(text, maxCount) : readJson(text, maxCount);
  if (identifiers.length === 0) formatInvalid('the file lists no identifier');
  return identifiers;
}

const tooMany = (maxCount: number): never => {
  throw new IdentifierFileRefusal(UPLOAD_REASONS.count, `the file lists more than ${maxCount} identifiers`);
};

/**
 * Lines `type,value` (CRLF or LF; blank lines skipped), the first may be the column names
 * `type,value`. No quoting: identifier types and values hold no commas or quotes.
 */
function readCsv(text: string, maxCount: number): ListedIdentifier[] {
  const identifiers: ListedIdentifier[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((line, at) => {
    if (line.trim() === '') return;
    const fields = line.split(',').map((f) => f.trim());
    if (fields.length !== 2 || fields.some((f) => f === '' || f.includes('"'))) formatInvalid(`line ${at + 1} is not "type,value"`);
    if (identifiers.length === 0 && fields[0].toLowerCase() === 'type' && fields[1].toLowerCase() === 'value') return;
    if (identifiers.length === maxCount) tooMany(maxCount);
    identifiers.push(fields as ListedIdentifier);
  });
  return identifiers;
}

/** An array of `{"type": string, "value": string | number}`. */
function readJson(text: string, maxCount: number): ListedIdentifier[] {
  let list: unknown;
  try {
    list = JSON.parse(text);
  } catch {
    return formatInvalid('the file is not valid JSON');
  }
  if (!Array.isArray(list)) return formatInvalid('the JSON file must be an array of {"type", "value"}');
  if (list.length > maxCount) tooMany(maxCount);
  return list.map((entry: unknown, at) => {
    const { type, value } = (typeof entry === 'object' && entry !== null ? entry : {}) as { type?: unknown; value?: unknown };
    if (typeof type !== 'string' || type === '' || !(typeof value === 'string' || typeof value === 'number') || value === '') {
      return formatInvalid(`entry ${at + 1} is not {"type": string, "value": string or number}`);
    }
    return [type, String(value)];
  });
}
