/**
 * CloudWatch metric math for the functions the bridge's alarms use, over one value per period
 * (`undefined` = no datapoint): numbers, query ids, + - * /, comparisons (1 or 0), AND, OR,
 * DIFF(s) (each present value minus the previous present one; the first is missing),
 * FILL(s, n) (missing becomes n) and IF(c, a, b). A missing operand makes a missing result.
 * An unknown function or token throws, naming it.
 */
export type Series = readonly (number | undefined)[];
type Value = Series | number;

const TOKEN = /\s*(>=|<=|==|!=|[A-Za-z_][A-Za-z0-9_]*|\d+(?:\.\d+)?|[()+\-*/,<>])/y;

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    if (/^\s*$/.test(text.slice(TOKEN.lastIndex))) break;
    const start = TOKEN.lastIndex;
    const match = TOKEN.exec(text);
    if (match?.[1] === undefined)
      throw new Error(`metric math: cannot read ${JSON.stringify(text.slice(start))}`);
    tokens.push(match[1]);
  }
  return tokens;
}

const BINARY: Readonly<Record<string, (a: number, b: number) => number>> = {
  '+': (a, b) => a + b,
  '-': (a, b) => a - b,
  '*': (a, b) => a * b,
  '/': (a, b) => a / b,
  '>': (a, b) => Number(a > b),
  '>=': (a, b) => Number(a >= b),
  '<': (a, b) => Number(a < b),
  '<=': (a, b) => Number(a <= b),
  '==': (a, b) => Number(a === b),
  '!=': (a, b) => Number(a !== b),
  AND: (a, b) => Number(a !== 0 && b !== 0),
  OR: (a, b) => Number(a !== 0 || b !== 0),
};

const PRECEDENCE: readonly (readonly string[])[] = [
  ['OR'],
  ['AND'],
  ['>', '>=', '<', '<=', '==', '!='],
  ['+', '-'],
  ['*', '/'],
];

export function evaluateExpression(text: string, ids: ReadonlyMap<string, Series>, length: number): Series {
  const tokens = tokenize(text);
  let at = 0;
  const at_ = (i: number, v: Value) => (typeof v === 'number' ? v : v[i]);
  const map = (args: readonly Value[], f: (...xs: number[]) => number | undefined): Series =>
    Array.from({ length }, (_, i) => {
      const xs = args.map((a) => at_(i, a));
      return xs.some((x) => x === undefined) ? undefined : f(...(xs as number[]));
    });
  const expect = (token: string) => {
    if (tokens[at] !== token) throw new Error(`metric math: expected ${token} at ${at} in ${text}`);
    at++;
  };
  const FUNCTIONS: Readonly<Record<string, (args: Value[]) => Value>> = {
    DIFF: ([s]) => {
      let previous: number | undefined;
      return Array.from({ length }, (_, i) => {
        const v = at_(i, s ?? 0);
        if (v === undefined) return undefined;
        const out = previous === undefined ? undefined : v - previous;
        previous = v;
        return out;
      });
    },
    FILL: ([s, n]) => Array.from({ length }, (_, i) => at_(i, s ?? 0) ?? at_(i, n ?? 0)),
    IF: ([c, a, b]) =>
      Array.from({ length }, (_, i) => {
        const condition = at_(i, c ?? 0);
        return condition === undefined ? undefined : at_(i, condition !== 0 ? (a ?? 0) : (b ?? 0));
      }),
  };
  const primary = (): Value => {
    const token = tokens[at++];
    if (token === undefined) throw new Error(`metric math: ${text} ends too early`);
    if (token === '(') {
      const value = level(0);
      expect(')');
      return value;
    }
    if (/^\d/.test(token)) return Number(token);
    if (tokens[at] === '(') {
      const fn = FUNCTIONS[token];
      if (fn === undefined) throw new Error(`metric math: unsupported function ${token} in ${text}`);
      at++;
      const args: Value[] = [level(0)];
      while (tokens[at] === ',') {
        at++;
        args.push(level(0));
      }
      expect(')');
      return fn(args);
    }
    const series = ids.get(token);
    if (series === undefined) throw new Error(`metric math: unknown id ${token} in ${text}`);
    return series;
  };
  const level = (depth: number): Value => {
    const operators = PRECEDENCE[depth];
    if (operators === undefined) return primary();
    let left = level(depth + 1);
    while (tokens[at] !== undefined && operators.includes(tokens[at] as string)) {
      const op = BINARY[tokens[at++] as string] as (a: number, b: number) => number;
      const right = level(depth + 1);
      left = map([left, right], op);
    }
    return left;
  };
  const result = level(0);
  if (at !== tokens.length) throw new Error(`metric math: unexpected ${tokens[at]} in ${text}`);
  return typeof result === 'number' ? Array.from({ length }, () => result) : result;
}
