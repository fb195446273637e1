/** Input rules shared by registry writes. Each failure names the field it is about. */
import { Types } from 'mongoose';
import { badInput } from '../errors';

export const MAX_NAME = 100;
export const MAX_TEXT = 200;
export const MAX_LIST = 10;

export function objectId(field: string, value: string): Types.ObjectId {
  if (typeof value !== 'string' || !/^[0-9a-f]{24}$/i.test(value)) throw badInput(field, 'is not a valid id');
  return new Types.ObjectId(value);
}

/** Control characters other than tab and line breaks: a NUL in a name breaks the exports and systems downstream. */
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

export function text(field: string, value: string | null | undefined, opts: { max?: number; required?: boolean } = {}) {
  if (value === undefined || value === null) {
    if (opts.required) throw badInput(field, 'is required');
    return undefined;
  }
  const trimmed = value.trim();
  if (CONTROL.test(trimmed)) throw badInput(field, 'must not hold control characters');
  if (opts.required && trimmed.length === 0) throw badInput(field, 'must not be empty');
  if (trimmed.length > (opts.max ?? MAX_TEXT)) throw badInput(field, `must be at most ${opts.max ?? MAX_TEXT} characters`);
  return trimmed;
}

export function oneOf<T extends string>(field: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw badInput(field, `must be one of ${allowed.join(', ')}`);
  return value as T;
}

export function pastDate(field: string, value: Date | null | undefined, now: Date): Date | undefined {
  if (value === undefined || value === null) return undefined;
  if (Number.isNaN(value.getTime())) throw badInput(field, 'is not a valid date');
  if (value.getTime() > now.getTime()) throw badInput(field, 'must not be in the future');
  if (value.getUTCFullYear() < 1880) throw badInput(field, 'is implausibly old');
  return value;
}

export function list<I, O>(field: string, values: I[] | null | undefined, check: (v: I, f: string) => O): O[] | undefined {
  if (values === undefined || values === null) return undefined;
  if (values.length > MAX_LIST) throw badInput(field, `must hold at most ${MAX_LIST} entries`);
  return values.map((v, i) => check(v, `${field}[${i}]`));
}

export const phone = (v: string, f: string) => {
  const t = text(f, v, { required: true, max: 32 })!;
  if (!/^\+?[0-9 ()-]{4,31}$/.test(t)) throw badInput(f, 'is not a phone number');
  return t;
};

export const email = (v: string, f: string) => {
  const t = text(f, v, { required: true, max: 254 })!;
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(t)) throw badInput(f, 'is not an email address');
  return t;
};

/** Codes such as UIN, NATIONAL_ID, BRN: upper-case letters, digits and underscores. */
export const code = (field: string, value: string) => {
  const t = text(field, value, { required: true, max: 40 })!;
  if (!/^[A-Z][A-Z0-9_]*$/.test(t)) throw badInput(field, 'must be an upper-case code such as UIN or BRN');
  return t;
};
