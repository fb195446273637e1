import { jcs, JsonNumber, parseJsonLexical, pythonJsonDumps } from '../../adapters/dci/protocol';

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

describe('Python json.dumps form (OpenSPP, OpenG2P)', () => {
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
