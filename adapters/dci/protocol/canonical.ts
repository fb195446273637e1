/**
 * Canonical JSON forms that signatures are computed over:
 * - RFC 8785 (JCS), our default profile;
 * - Python's `json.dumps(value, sort_keys=…, separators=(",", ":"))` with its default
 *   `ensure_ascii=True`, which OpenSPP hashes (OPENSPP-NOTES 3.3);
 * - `orjson.dumps(value, option=OPT_SORT_KEYS)`, which OpenG2P signs and verifies over.
 * Reproducing the Python forms byte for byte needs the number lexemes of the received text (Python
 * re-prints `1.0` as `1.0`, JS as `1`), so received bodies are read with `parseJsonLexical`, which
 * keeps them.
 */
import canonicalize from 'canonicalize';

export function jcs(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('value has no JSON form');
  return text;
}

/** A number as written in the received text: Python decides int or float from the lexeme. */
export class JsonNumber {
  constructor(readonly lexeme: string) {}
}

/** JSON read without loss: objects keep key order (last duplicate wins, as in Python), numbers keep lexemes. */
export type LexicalJson = null | boolean | string | JsonNumber | LexicalJson[] | Map<string, LexicalJson>;

const WHITESPACE = /[ \t\n\r]*/y;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;

export function parseJsonLexical(text: string): LexicalJson {
  let pos = 0;
  const fail = (): never => {
    throw new SyntaxError(`invalid JSON at position ${pos}`);
  };
  const skip = () => {
    WHITESPACE.lastIndex = pos;
    WHITESPACE.exec(text);
    pos = WHITESPACE.lastIndex;
  };
  const token = (pattern: RegExp): string | undefined => {
    pattern.lastIndex = pos;
    const match = pattern.exec(text);
    if (!match) return undefined;
    pos = pattern.lastIndex;
    return match[0];
  };
  const literal = (word: string) => text.startsWith(word, pos) && ((pos += word.length), true);
  const peek = () => (skip(), text[pos]);
  const expect = (char: string) => (peek() === char ? pos++ : fail());

  const value = (): LexicalJson => {
    const char = peek();
    if (char === '{') {
      pos++;
      const object = new Map<string, LexicalJson>();
      if (peek() === '}') return pos++, object;
      for (;;) {
        skip();
        const key = JSON.parse(token(STRING) ?? fail()) as string;
        expect(':');
        object.set(key, value());
        if (peek() !== ',') break;
        pos++;
      }
      expect('}');
      return object;
    }
    if (char === '[') {
      pos++;
      const array: LexicalJson[] = [];
      if (peek() === ']') return pos++, array;
      for (;;) {
        array.push(value());
        if (peek() !== ',') break;
        pos++;
      }
      expect(']');
      return array;
    }
    if (char === '"') return JSON.parse(token(STRING) ?? fail()) as string;
    if (literal('true')) return true;
    if (literal('false')) return false;
    if (literal('null')) return null;
    return new JsonNumber(token(NUMBER) ?? fail());
  };

  const result = value();
  skip();
  if (pos !== text.length) fail();
  return result;
}

/** Python's `repr(float)`: shortest round-trip digits, exponent form below 1e-4 and from 1e16. */
function pythonFloat(n: number): string {
  if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : '-Infinity';
  if (n === 0) return Object.is(n, -0) ? '-0.0' : '0.0';
  const sign = n < 0 ? '-' : '';
  const [mantissa, exponent] = Math.abs(n).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const decimalPoint = Number(exponent) + 1;
  if (decimalPoint <= -4 || decimalPoint > 16) {
    const exp = decimalPoint - 1;
    const head = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${head}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (decimalPoint <= 0) return `${sign}0.${'0'.repeat(-decimalPoint)}${digits}`;
  if (decimalPoint >= digits.length) return `${sign}${digits}${'0'.repeat(decimalPoint - digits.length)}.0`;
  return `${sign}${digits.slice(0, decimalPoint)}.${digits.slice(decimalPoint)}`;
}

function pythonNumber(value: number | JsonNumber): string {
  if (value instanceof JsonNumber) {
    return /[.eE]/.test(value.lexeme) ? pythonFloat(Number(value.lexeme)) : BigInt(value.lexeme).toString();
  }
  // A JS number reaches Python through JSON.stringify: integers below 1e21 arrive as ints, the rest
  // as floats, and non-finite values as null.
  if (!Number.isFinite(value)) return 'null';
  return Number.isInteger(value) && Math.abs(value) < 1e21 ? String(value) : pythonFloat(value);
}

const NAMED_ESCAPES: Record<number, string> = { 0x22: '\\"', 0x5c: '\\\\', 0x0a: '\\n', 0x0d: '\\r', 0x09: '\\t', 0x08: '\\b', 0x0c: '\\f' };

/** ensure_ascii: everything outside printable ASCII as lower-case \uXXXX, astral characters as surrogate pairs. */
function pythonString(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    const named = NAMED_ESCAPES[unit];
    if (named) out += named;
    else if (unit < 0x20 || unit > 0x7e) out += `\\u${unit.toString(16).padStart(4, '0')}`;
    else out += text[i];
  }
  return `${out}"`;
}

/** Python's sort_keys order: by code point, which differs from UTF-16 order above U+FFFF. */
function byCodePoint(a: string, b: string): number {
  for (let i = 0; i < a.length && i < b.length; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x < y ? -1 : 1;
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

/** How one compact serialiser writes strings and numbers, and whether it sorts keys. */
interface CompactForm {
  string(text: string): string;
  number(value: number | JsonNumber): string;
  sortKeys: boolean;
}

/** Compact JSON (`,` and `:` without spaces) of plain JS values and of `parseJsonLexical` output. */
function compactDump(value: unknown, form: CompactForm): string {
  const dump = (node: unknown): string => {
    if (node === null || node === undefined) return 'null';
    if (typeof node === 'boolean') return node ? 'true' : 'false';
    if (typeof node === 'string') return form.string(node);
    if (typeof node === 'number' || node instanceof JsonNumber) return form.number(node);
    if (Array.isArray(node)) return `[${node.map(dump).join(',')}]`;
    if (typeof (node as { toJSON?: unknown }).toJSON === 'function') return dump((node as { toJSON(): unknown }).toJSON());
    const entries: [string, unknown][] =
      node instanceof Map ? [...node.entries()] : Object.entries(node as object).filter(([, v]) => v !== undefined);
    if (form.sortKeys) entries.sort(([a], [b]) => byCodePoint(a, b));
    return `{${entries.map(([k, v]) => `${form.string(k)}:${dump(v)}`).join(',')}}`;
  };
  return dump(value);
}

/**
 * `json.dumps(value, sort_keys=sortKeys, separators=(",", ":"))`. Accepts plain JS values (what we
 * send) and `parseJsonLexical` output (what we received).
 */
export function pythonJsonDumps(value: unknown, opts: { sortKeys: boolean }): string {
  return compactDump(value, { string: pythonString, number: pythonNumber, sortKeys: opts.sortKeys });
}

/**
 * orjson's float text (its `zmij` writer): shortest round-trip digits, positional for decimal
 * exponents -5 to 15 with `.0` on integral values, else `d.ddde±X` without padding (`1e-6`,
 * `1.5e+16`), where Python's repr writes `1e-06`. Non-finite values are null.
 */
function orjsonFloat(n: number): string {
  if (!Number.isFinite(n)) return 'null';
  if (n === 0) return Object.is(n, -0) ? '-0.0' : '0.0';
  const sign = n < 0 ? '-' : '';
  const [mantissa, exponentText] = Math.abs(n).toExponential().split('e');
  const digits = mantissa.replace('.', '');
  const exponent = Number(exponentText);
  if (exponent < -5 || exponent > 15) {
    const head = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${head}e${exponent < 0 ? '-' : '+'}${Math.abs(exponent)}`;
  }
  if (digits.length - 1 <= exponent) return `${sign}${digits}${'0'.repeat(exponent + 1 - digits.length)}.0`;
  if (exponent >= 0) return `${sign}${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
  return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
}

function orjsonNumber(value: number | JsonNumber): string {
  if (value instanceof JsonNumber) return /[.eE]/.test(value.lexeme) ? orjsonFloat(Number(value.lexeme)) : BigInt(value.lexeme).toString();
  return Number.isSafeInteger(value) ? String(value) : orjsonFloat(value);
}

const ORJSON_ESCAPES: Record<number, string> = { 0x22: '\\"', 0x5c: '\\\\', 0x0a: '\\n', 0x0d: '\\r', 0x09: '\\t', 0x08: '\\b', 0x0c: '\\f' };

/** UTF-8 as is; only `"`, `\` and control characters escaped (`\u001f`, lower-case hex). orjson refuses lone surrogates. */
function orjsonString(text: string): string {
  if (/\p{Cs}/u.test(text)) throw new TypeError('a string holds a lone surrogate, which orjson does not serialise');
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    const escape = ORJSON_ESCAPES[unit];
    if (escape) out += escape;
    else if (unit < 0x20) out += `\\u${unit.toString(16).padStart(4, '0')}`;
    else out += text[i];
  }
  return `${out}"`;
}

/**
 * `orjson.dumps(value, option=OPT_SORT_KEYS)` as text: compact, keys sorted at every level by code
 * point (orjson compares the UTF-8 bytes, which orders the same). Accepts plain JS values (what we
 * send) and `parseJsonLexical` output (what we received); what we send this way reads back to the same text.
 */
export function orjsonSortedDumps(value: unknown): string {
  return compactDump(value, { string: orjsonString, number: orjsonNumber, sortKeys: true });
}
