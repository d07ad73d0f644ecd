/**
 * A small IAM policy evaluator for the subset the bridge's template uses: Allow and Deny
 * statements, Action and Resource lists with `*` and `?` wildcards, and the condition
 * operators StringEquals, StringLike, Bool and their ForAllValues:/ForAnyValue: forms (the
 * deliverer's `ForAllValues:StringLike` on `dynamodb:LeadingKeys`). Anything else in a policy
 * throws, naming it, rather than being guessed at. Semantics follow AWS's policy evaluation
 * logic for identity policies: an explicit Deny wins, else any Allow, else denied implicitly;
 * ForAllValues over a missing or empty key is true, ForAnyValue over it false.
 * Why not a published simulator: docs/deploy.md ("IAM: checked from recorded calls").
 */

export interface Statement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

export interface Request {
  /** `service:Action`. */
  readonly action: string;
  /** The resource ARN (`*` for actions without resource-level permissions). */
  readonly resource: string;
  /** Condition keys of the request; a multi-valued key (dynamodb:LeadingKeys) has several values. */
  readonly context?: Readonly<Record<string, readonly string[]>>;
}

export type Decision =
  | { readonly decision: 'allowed'; readonly statement: Statement }
  | { readonly decision: 'explicit-deny'; readonly statement: Statement }
  | { readonly decision: 'implicit-deny' };

const list = (value: string | readonly string[] | undefined): readonly string[] =>
  value === undefined ? [] : typeof value === 'string' ? [value] : value;

/** IAM's wildcard match: `*` any run of characters, `?` exactly one. */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const source = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, ignoreCase ? 'is' : 's').test(value);
}

const MATCHERS: Readonly<Record<string, (policy: string, value: string) => boolean>> = {
  StringEquals: (policy, value) => policy === value,
  StringLike: (policy, value) => wildcardMatch(policy, value),
  Bool: (policy, value) => policy.toLowerCase() === value.toLowerCase(),
};

function conditionHolds(
  operator: string,
  policyValues: readonly string[],
  values: readonly string[],
): boolean {
  const [qualifier, base] = operator.includes(':') ? operator.split(':', 2) : [undefined, operator];
  const match = MATCHERS[base ?? ''];
  if (match === undefined) throw new Error(`unsupported IAM condition operator ${operator}`);
  const matchesAny = (value: string) => policyValues.some((policy) => match(policy, value));
  switch (qualifier) {
    case 'ForAllValues':
      return values.every(matchesAny);
    case 'ForAnyValue':
      return values.some(matchesAny);
    case undefined:
      // A single-valued operator on a missing key is false.
      return values.length > 0 && values.every(matchesAny);
    default:
      throw new Error(`unsupported IAM condition qualifier ${qualifier} in ${operator}`);
  }
}

/** Whether the statement applies to the request (its Effect aside). */
export function statementMatches(statement: Statement, request: Request): boolean {
  const known = new Set(['Sid', 'Effect', 'Action', 'Resource', 'Condition']);
  const unknown = Object.keys(statement).filter((key) => !known.has(key));
  if (unknown.length > 0) throw new Error(`unsupported IAM statement element(s) ${unknown.join(', ')}`);
  if (!list(statement.Action).some((pattern) => wildcardMatch(pattern, request.action, true))) return false;
  if (!list(statement.Resource).some((pattern) => wildcardMatch(pattern, request.resource))) return false;
  for (const [operator, keys] of Object.entries(statement.Condition ?? {})) {
    for (const [key, policyValues] of Object.entries(keys)) {
      if (!conditionHolds(operator, list(policyValues), request.context?.[key] ?? [])) return false;
    }
  }
  return true;
}

/** The decision of an identity policy (its statements together) on one request. */
export function evaluate(statements: readonly Statement[], request: Request): Decision {
  const matching = statements.filter((statement) => statementMatches(statement, request));
  const deny = matching.find((statement) => statement.Effect === 'Deny');
  if (deny !== undefined) return { decision: 'explicit-deny', statement: deny };
  const allow = matching.find((statement) => statement.Effect === 'Allow');
  return allow === undefined ? { decision: 'implicit-deny' } : { decision: 'allowed', statement: allow };
}
