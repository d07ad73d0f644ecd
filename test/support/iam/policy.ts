/**
 * A small IAM policy evaluator for the subset the bridge's template uses: Allow and Deny
 * statements, Action and Resource lists with `*` and `?` wildcards, and the condition
 * operators StringEquals, StringLike, ArnEquals, ArnLike, Bool and their ForAllValues:/ForAnyValue:
 * forms (the deliverer's `ForAllValues:StringLike` on `dynamodb:LeadingKeys`). Anything else in a
 * policy throws, naming it, rather than being guessed at. Semantics follow AWS's policy evaluation
 * logic for identity policies: an explicit Deny wins, else any Allow, else denied implicitly;
 * ForAllValues over a missing or empty key is true, ForAnyValue over it false.
 * Resource policies (topic and queue policies, a function's permissions) name a Principal: `*`,
 * `{ AWS: ... }` or `{ Service: ... }`; a statement with one applies only to a request whose
 * principal it names (resource-policies.ts).
 * Why not a published simulator: docs/deploy.md ("IAM: checked from recorded calls").
 */

export interface Statement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
  /** Resource policies only: who the statement is about. */
  readonly Principal?: '*' | Readonly<Record<string, string | readonly string[]>>;
}

/** Who makes a request: an AWS service (`cloudwatch.amazonaws.com`) or an IAM principal's ARN. */
export interface Principal {
  readonly type: 'Service' | 'AWS';
  readonly id: string;
}

export interface Request {
  /** `service:Action`. */
  readonly action: string;
  /** The resource ARN (`*` for actions without resource-level permissions). */
  readonly resource: string;
  /** Condition keys of the request; a multi-valued key (dynamodb:LeadingKeys) has several values. */
  readonly context?: Readonly<Record<string, readonly string[]>>;
  /** Required to evaluate a statement that has a Principal. */
  readonly principal?: Principal;
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
  ArnEquals: (policy, value) => policy === value,
  ArnLike: (policy, value) => wildcardMatch(policy, value),
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

function principalMatches(
  named: NonNullable<Statement['Principal']>,
  principal: Principal | undefined,
): boolean {
  if (principal === undefined)
    throw new Error('a statement with a Principal needs a request with a principal');
  if (named === '*') return true;
  const unknown = Object.keys(named).filter((key) => key !== 'AWS' && key !== 'Service');
  if (unknown.length > 0) throw new Error(`unsupported principal type(s) ${unknown.join(', ')}`);
  // `{ AWS: '*' }` is the same as `*` (IAM's "all principals"), services included.
  if (list(named.AWS).includes('*')) return true;
  const ids = list(named[principal.type]);
  // An account (`123456789012` or its root ARN) names every principal of that account.
  const account = (arn: string) =>
    /^\d{12}$/.test(arn) ? arn : /^arn:aws:iam::(\d{12}):root$/.exec(arn)?.[1];
  return ids.some(
    (id) =>
      id === principal.id ||
      (principal.type === 'AWS' && account(id) !== undefined && principal.id.split(':')[4] === account(id)),
  );
}

/** Whether the statement applies to the request (its Effect aside). */
export function statementMatches(statement: Statement, request: Request): boolean {
  const known = new Set(['Sid', 'Effect', 'Action', 'Resource', 'Condition', 'Principal']);
  const unknown = Object.keys(statement).filter((key) => !known.has(key));
  if (unknown.length > 0) throw new Error(`unsupported IAM statement element(s) ${unknown.join(', ')}`);
  if (statement.Principal !== undefined && !principalMatches(statement.Principal, request.principal))
    return false;
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
