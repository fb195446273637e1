/** Cursor connections over `_id` order: stable under inserts, cheap with the default index. */
import { Types } from 'mongoose';
import { badInput } from '../errors';

export const DEFAULT_PAGE = 20;
export const MAX_PAGE = 100;

export interface Page<T> {
  items: T[];
  hasNextPage: boolean;
  totalCount: () => Promise<number>;
}

export const encodeCursor = (id: Types.ObjectId) => Buffer.from(`c:${id.toHexString()}`).toString('base64url');

export function decodeCursor(cursor: string): Types.ObjectId {
  const raw = Buffer.from(cursor, 'base64url').toString();
  if (!/^c:[0-9a-f]{24}$/.test(raw)) throw badInput('after', 'is not a valid cursor');
  return new Types.ObjectId(raw.slice(2));
}

export function pageSize(first: number | null | undefined): number {
  if (first === undefined || first === null) return DEFAULT_PAGE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE) throw badInput('first', `must be between 1 and ${MAX_PAGE}`);
  return first;
}
