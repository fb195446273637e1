import { jcs, JsonNumber, orjsonSortedDumps, parseJsonLexical, pythonJsonDumps } from '../../adapters/dci/protocol';

describe('JCS (RFC 8785)', () => {
  it('serialises the RFC 3.2.2 example', () => {
    const input = JSON.parse(
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],' +
        ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/", "literals": [null, true, false]}',
    );
    expect(jcs(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it('sorts keys by UTF-16 code units (RFC 3.2.3)', () => {
    const input = { '\u20ac': 'Euro Sign', '\r': 'Carriage Return', '\ufb33': 'Hebrew Letter Dalet With Dagesh', '1': 'One', '\ud83d\ude00': 'Emoji: Grinning Face', '\u0080': 'Control', '\u00f6': 'Latin Small Letter O With Diaeresis' };
    expect(jcs(input)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",' +
        '"\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  it.each([
    [0, '0'],
    [-0, '0'],
    [1e21, '1e+21'],
    [1e-7, '1e-7'],
    [5e-324, '5e-324'],
    [9007199254740992, '9007199254740992'],
    [295147905179352830000, '295147905179352830000'],
    [1.7976931348623157e308, '1.7976931348623157e+308'],
  ])('formats the number %p as %s (RFC appendix B)', (value, text) => {
    expect(jcs(value)).toBe(text);
  });
});

describe('Python json.dumps form (OpenSPP)', () => {
  // Expected strings produced by CPython 3.11: json.dumps(json.loads(RAW), sort_keys=…, separators=(",", ":")).
  const RAW =
    '{"b":1.0,"a":[1,2.50,1e2,1E-7,0.0001,0.00001,1e16,1e15,123456789012345678901234567890,-0,-0.0,3.14159,1.5e300],' +
    '"é":"ü€😀\\u0001\\u007f\\"/\\\\\\n","😀":1,"！":2,"z":{"y":null,"x":true,"w":false},"b":2.0}';
  const NUMBERS = '[1,2.5,100.0,1e-07,0.0001,1e-05,1e+16,1000000000000000.0,123456789012345678901234567890,0,-0.0,3.14159,1.5e+300]';
  const TEXT = '"\\u00fc\\u20ac\\ud83d\\ude00\\u0001\\u007f\\"/\\\\\\n"';

  it('reproduces sort_keys=True byte for byte from the received text', () => {
    expect(pythonJsonDumps(parseJsonLexical(RAW), { sortKeys: true })).toBe(
      `{"a":${NUMBERS},"b":2.0,"z":{"w":false,"x":true,"y":null},"\\u00e9":${TEXT},"\\uff01":2,"\\ud83d\\ude00":1}`,
    );
  });

  it('keeps the received key order without sort_keys (last duplicate wins in place)', () => {
    expect(pythonJsonDumps(parseJsonLexical(RAW), { sortKeys: false })).toBe(
      `{"b":2.0,"a":${NUMBERS},"\\u00e9":${TEXT},"\\ud83d\\ude00":1,"\\uff01":2,"z":{"y":null,"x":true,"w":false}}`,
    );
  });

  it('prints JS values the way Python prints them after a JSON.stringify round trip', () => {
    expect(pythonJsonDumps({ header: { n: 1, f: 0.5, big: 1e21, s: 'ñ', skipped: undefined } }, { sortKeys: true })).toBe(
      '{"header":{"big":1e+21,"f":0.5,"n":1,"s":"\\u00f1"}}',
    );
  });

  it('keeps number lexemes and rejects what is not JSON', () => {
    const parsed = parseJsonLexical(' [1.0 , -0] ');
    expect(parsed).toEqual([new JsonNumber('1.0'), new JsonNumber('-0')]);
    for (const bad of ['{"a":1,}', '[01]', "{'a':1}", '[1] x', '"\u0001"', 'NaN']) expect(() => parseJsonLexical(bad)).toThrow(SyntaxError);
  });
});

/** Expected texts are orjson's own (its test suite, and its float writer zmij's), written out by hand. */
describe('orjson.dumps(OPT_SORT_KEYS) form (OpenG2P)', () => {
  it('is compact with keys sorted at every level, in arrays too, whatever order they arrived in', () => {
    const received = parseJsonLexical('{ "b": [ {"z": 1, "a": null} ], "a": {"y": true, "x": "w"} }');
    expect(orjsonSortedDumps(received)).toBe('{"a":{"x":"w","y":true},"b":[{"a":null,"z":1}]}');
    expect(orjsonSortedDumps({ b: 1, a: { d: [3, { f: 0, e: 0 }], c: undefined } })).toBe('{"a":{"d":[3,{"e":0,"f":0}]},"b":1}');
  });

  it('sorts by code point, so a key beyond U+FFFF comes after U+FB33 (UTF-16 order would put it first)', () => {
    expect(orjsonSortedDumps({ '\ufb33': 1, '\ud83d\ude00': 2, a: 3 })).toBe('{"a":3,"\ufb33":1,"\ud83d\ude00":2}');
  });

  it('writes non-ASCII as UTF-8 and escapes only the quote, the backslash and control characters', () => {
    expect(orjsonSortedDumps(['東京', '😊', 'café', '\u007f', '/'])).toBe('["東京","😊","café","\u007f","/"]');
    expect(orjsonSortedDumps('\n\r\u000b\f\u001c\u001d\u001e')).toBe('"\\n\\r\\u000b\\f\\u001c\\u001d\\u001e"');
    expect(orjsonSortedDumps('\u0000\u0008\u0009\u001a"\\')).toBe('"\\u0000\\b\\t\\u001a\\"\\\\"');
    expect(() => orjsonSortedDumps('\ud800')).toThrow(/lone surrogate/);
  });

  it.each([
    ['1.0', '1.0'],
    ['45.20', '45.2'],
    ['0.0', '0.0'],
    ['-0.0', '-0.0'],
    ['0.8701', '0.8701'],
    ['31.245270191439438', '31.245270191439438'],
    ['1E2', '100.0'],
    ['1e15', '1000000000000000.0'],
    ['1e16', '1e+16'],
    ['3.439070283483335e+35', '3.439070283483335e+35'],
    ['0.0001', '0.0001'],
    ['0.00001', '0.00001'],
    ['0.000001', '1e-6'],
    ['6.62607015e-34', '6.62607015e-34'],
    ['5e-324', '5e-324'],
    ['-1.5e-7', '-1.5e-7'],
  ])('reads the float %s and writes it as orjson does: %s', (lexeme, text) => {
    expect(orjsonSortedDumps(parseJsonLexical(`[${lexeme}]`))).toBe(`[${text}]`);
  });

  it('keeps integers as integers, and what it writes reads back to the same text', () => {
    expect(orjsonSortedDumps(parseJsonLexical('[0, -0, 9223372036854775807, 12]'))).toBe('[0,0,9223372036854775807,12]');
    const sent = orjsonSortedDumps({ score: 45.5, size: 4, big: 1e21, tiny: 1e-7, name: 'Amina' });
    expect(sent).toBe('{"big":1e+21,"name":"Amina","score":45.5,"size":4,"tiny":1e-7}');
    expect(orjsonSortedDumps(parseJsonLexical(sent))).toBe(sent);
  });
});
