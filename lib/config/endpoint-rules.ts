import type { RuleIssue } from './rules.ts';
import type { Route } from './schema.ts';

/** Rules between the fields of a route's HTTP endpoint (signing, authentication); paths relative to the route. */
export function endpointIssues(route: Route): RuleIssue[] {
  const { endpoint } = route;
  const issues: RuleIssue[] = [];
  if (route.deliver.batch !== undefined && (endpoint.type !== 'http' || endpoint.body === 'raw')) {
    issues.push({
      path: ['deliver', 'batch'],
      message: `needs an http endpoint with body 'envelope': a batched call is a JSON array of envelopes`,
    });
  }
  if (endpoint.type !== 'http') return issues;
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
  const auth = endpoint.auth;
  if (auth !== undefined) {
    if (auth.oauth2 === undefined && auth.clientCertificateSecret === undefined) {
      issues.push({
        path: ['endpoint', 'auth'],
        message: 'must set oauth2 or clientCertificateSecret (or both); leave auth out for none',
      });
    }
    if (auth.clientCertificateSecret !== undefined && !endpoint.url.startsWith('https:')) {
      issues.push({
        path: ['endpoint', 'auth', 'clientCertificateSecret'],
        message: 'needs an https:// url: the client certificate is sent in the TLS handshake',
      });
    }
  }
  return issues;
}
