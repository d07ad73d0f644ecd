import type { RuleIssue } from './rules.ts';
import type { Route } from './schema.ts';

/** Rules between the fields of a route's HTTP endpoint (signing, authentication); paths relative to the route. */
export function endpointIssues(route: Route): RuleIssue[] {
  const { endpoint } = route;
  if (endpoint.type !== 'http') return [];
  const issues: RuleIssue[] = [];
  const signing = endpoint.signing ?? 'bridge-v2';
  if (endpoint.signingSecret === undefined && endpoint.signing !== undefined) {
    issues.push({
      path: ['endpoint', 'signingSecret'],
      message: `is required with signing '${signing}': the secret holds the signing key`,
    });
  }
  if (endpoint.signingV1) {
    if (endpoint.signingSecret === undefined) {
      issues.push({
        path: ['endpoint', 'signingV1'],
        message: 'needs signingSecret: there is no key to sign with',
      });
    } else if (signing !== 'bridge-v2') {
      issues.push({
        path: ['endpoint', 'signingV1'],
        message: `goes with signing 'bridge-v2' only: the legacy v1 header is part of the bridge's own scheme`,
      });
    }
  }
  return issues;
}
