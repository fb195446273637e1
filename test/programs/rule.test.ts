/** The rule checker and evaluator on their own: what a programme administrator sees when saving a rule. */
import { checkRule, referenceText, RuleError, RuleValues, runnableRule } from '../../src/programs/rule';

function refusal(rule: string, check: (rule: string) => unknown = checkRule): { message: string; reason: unknown; line: unknown; column: unknown } {
  try {
    check(rule);
  } catch (error) {
    if (!(error instanceof RuleError)) throw error;
    return { message: error.message, reason: error.details.reason, line: error.details.line, column: error.details.column };
  }
  throw new Error(`${rule} was accepted`);
}

const values = (entries: Record<string, boolean | number | string>): RuleValues => new Map(Object.entries(entries));

describe('checking a rule', () => {
  it('accepts rules over the catalogue and lists the indicator values they read', () => {
    const rule = checkRule("age_years >= 60 || (dr.has_disability && crvs.is_alive) || dr.severity('vision') >= 3.0 && age_years >= 18");
    expect(rule.references.map(referenceText)).toEqual(['age_years', 'dr.has_disability', 'crvs.is_alive', "dr.severity('vision')"]);
    expect(rule.references.map((r) => r.slot)).toEqual(['age_years', 'dr__has_disability', 'crvs__is_alive', 'dr__severity__vision']);
  });

  it('names the line and column of a syntax error', () => {
    expect(refusal('age_years >= 18 &&\n  (dr.has_disability ||')).toMatchObject({ reason: 'SYNTAX', line: 2, column: 24 });
    expect(refusal('age_years >= 18 &&\n  (dr.has_disability ||').message).toMatch(/^rule: line 2, column 24: Unexpected token: EOF/);
  });

  it('names an unknown indicator, with and without a prefix, and where it is', () => {
    expect(refusal('age_years >= 18 && crvs.is_married')).toEqual({
      reason: 'UNKNOWN_INDICATOR',
      line: 1,
      column: 20,
      message: 'rule: line 1, column 20: unknown indicator crvs.is_married (the crvs indicators are crvs.is_alive, crvs.birth_verified)',
    });
    expect(refusal('income < 100.0')).toMatchObject({ reason: 'UNKNOWN_INDICATOR', column: 1, message: expect.stringContaining('unknown indicator income (the indicators without a prefix are age_years, ') });
    expect(refusal('dr && age_years > 1.0')).toMatchObject({ reason: 'UNKNOWN_INDICATOR', message: expect.stringContaining('dr is not an indicator itself') });
  });

  it('checks the argument of a parameterised indicator against its fixed set', () => {
    expect(refusal("dr.severity('smell') >= 2.0")).toMatchObject({ reason: 'BAD_ARGUMENT', message: expect.stringContaining("'vision', 'hearing', 'mobility', 'cognition'") });
    expect(refusal('dr.severity >= 2.0')).toMatchObject({ reason: 'BAD_ARGUMENT', message: expect.stringContaining('dr.severity takes one argument') });
    expect(refusal("dr.has_disability('vision')")).toMatchObject({ reason: 'BAD_ARGUMENT', message: expect.stringContaining('takes no argument') });
  });

  it('names type errors, and refuses a rule that is not true or false', () => {
    expect(refusal('age_years >= 18 && crvs.is_alive > 1')).toMatchObject({ reason: 'TYPE', column: 20, message: expect.stringContaining('no such overload: bool > int') });
    expect(refusal('household_size == 3')).toMatchObject({ reason: 'TYPE', message: expect.stringContaining('write 3.0, not 3') });
    expect(refusal('age_years + 1.0')).toMatchObject({ reason: 'TYPE', message: expect.stringContaining('a rule must be true or false; this one is a double') });
  });

  it('refuses an empty rule, and one that reads no indicator', () => {
    expect(() => checkRule('  ')).toThrow('rule: is empty');
    expect(refusal('1 < 2 || true')).toMatchObject({ reason: 'NO_INDICATOR', message: 'rule: line 1, column 1: a rule must read at least one indicator' });
  });
});

describe('what a rule may cost', () => {
  const list = (n: number) => `[${Array.from({ length: n }, (_, i) => `${i}.0`).join(', ')}]`;

  it('refuses regular expressions, which can take minutes on one value', () => {
    const regex = 'age_years > 1.0 && "aaaaaaaaaaaaaaaaaaaaaab".matches("^(a+)+$")';
    expect(refusal(regex, runnableRule)).toMatchObject({
      reason: 'UNSUPPORTED',
      column: 20,
      message: 'rule: line 1, column 20: regular expressions (matches) are not available in rules: use startsWith, endsWith, contains or in',
    });
    // A programme saved before the bound stays readable: only saving and evaluating refuse it.
    expect(checkRule(regex).references.map(referenceText)).toEqual(['age_years']);
  });

  it('refuses nested lists whose steps per person multiply past the bound, naming the estimate', () => {
    const nested = `${list(60)}.map(a, ${list(60)}.map(b, ${list(60)}.map(c, a + b + c))).size() > 0 && age_years > 1.0`;
    expect(refusal(nested, runnableRule)).toMatchObject({ reason: 'TOO_COSTLY', message: expect.stringMatching(/^rule: line 1, column 1: evaluating it would take about \d+ steps per person, over the 1000/) });
    expect(refusal(`"a,b".split(",").exists(x, x == "a") && age_years > 1.0`, runnableRule)).toMatchObject({ reason: 'TOO_COSTLY' });
  });

  it('accepts what eligibility rules are made of: comparisons, in lists, and one macro over a short list', () => {
    const long = Array.from({ length: 100 }, (_, i) => `age_years > ${i}.0`).join(' || ');
    expect(long.length).toBeGreaterThan(1500);
    expect(runnableRule(long).references).toHaveLength(1);
    expect(runnableRule(`household_size in ${list(50)} && ${list(10)}.exists(x, x == age_years)`).evaluate(values({ household_size: 3, age_years: 7 }))).toBe(true);
  });
});

describe('evaluating a rule', () => {
  const rule = checkRule("age_years >= 60 || (dr.has_disability && dr.severity('mobility') >= 3.0)");

  it('is true or false on complete values', () => {
    expect(rule.evaluate(values({ age_years: 70, dr__has_disability: false, dr__severity__mobility: 0 }))).toBe(true);
    expect(rule.evaluate(values({ age_years: 30, dr__has_disability: true, dr__severity__mobility: 3 }))).toBe(true);
    expect(rule.evaluate(values({ age_years: 30, dr__has_disability: true, dr__severity__mobility: 2 }))).toBe(false);
  });

  it('decides without a missing value the result does not depend on, and is unknown otherwise', () => {
    expect(rule.evaluate(values({ age_years: 70 }))).toBe(true);
    expect(rule.evaluate(values({ age_years: 30, dr__has_disability: false }))).toBe(false);
    expect(rule.evaluate(values({ dr__has_disability: false }))).toBeUndefined();
    expect(rule.evaluate(values({ age_years: 30, dr__has_disability: true }))).toBeUndefined();
    expect(checkRule('!crvs.is_alive').evaluate(values({}))).toBeUndefined();
  });
});
