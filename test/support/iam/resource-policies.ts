/**
 * The resource policies of a synthesized template, as statements the evaluator (policy.ts)
 * reads: topic policies, queue policies, and each function's permissions (AWS::Lambda::Permission,
 * one Allow for its principal, with its SourceArn and SourceAccount as conditions); and the
 * decision of a request that meets both a resource policy and, for an IAM principal, its
 * identity policy, as AWS decides it: an explicit Deny in either wins; a service principal
 * needs the resource policy's Allow; a principal of the resource's account needs an Allow in
 * either; one of another account needs both (its identity policy is taken as allowing).
 */
import { type Decision, evaluate, type Request, type Statement } from './policy.ts';
import type { CfnTemplate, TemplateResolver } from './template.ts';

type Json = Record<string, unknown>;

const refersTo = (value: unknown, id: string): boolean =>
  JSON.stringify(value) === JSON.stringify({ Ref: id }) ||
  JSON.stringify(value) === JSON.stringify({ 'Fn::GetAtt': [id, 'Arn'] });

/** Every resource policy statement that governs the resource with logical id `id`, resolved. */
export function resourceStatements(
  template: CfnTemplate,
  resolver: TemplateResolver,
  id: string,
): Statement[] {
  const statements: Statement[] = [];
  for (const resource of Object.values(template.Resources)) {
    const p = (resource.Properties ?? {}) as Json;
    const document = p.PolicyDocument as { Statement: unknown[] } | undefined;
    if (resource.Type === 'AWS::SNS::TopicPolicy' && (p.Topics as unknown[]).some((t) => refersTo(t, id)))
      statements.push(...(resolver.resolve(document?.Statement) as Statement[]));
    if (resource.Type === 'AWS::SQS::QueuePolicy' && (p.Queues as unknown[]).some((q) => refersTo(q, id)))
      statements.push(...(resolver.resolve(document?.Statement) as Statement[]));
    if (resource.Type === 'AWS::Lambda::Permission' && refersTo(p.FunctionName, id)) {
      const known = new Set(['Action', 'FunctionName', 'Principal', 'SourceArn', 'SourceAccount']);
      const unknown = Object.keys(p).filter((key) => !known.has(key));
      if (unknown.length > 0) throw new Error(`unsupported Lambda permission field(s) ${unknown.join(', ')}`);
      const principal = String(resolver.resolve(p.Principal));
      const conditions: Record<string, Record<string, string>> = {};
      if (p.SourceArn !== undefined)
        conditions.ArnLike = { 'aws:SourceArn': String(resolver.resolve(p.SourceArn)) };
      if (p.SourceAccount !== undefined)
        conditions.StringEquals = { 'aws:SourceAccount': String(resolver.resolve(p.SourceAccount)) };
      statements.push({
        Effect: 'Allow',
        Principal: principal.endsWith('.amazonaws.com') ? { Service: principal } : { AWS: principal },
        Action: String(p.Action),
        Resource: String(resolver.resolve(p.FunctionName)),
        ...(Object.keys(conditions).length === 0 ? {} : { Condition: conditions }),
      });
    }
  }
  return statements;
}

/** AWS's decision on a request to a resource of `account`, from its resource policy and the caller's identity policy. */
export function decide(
  request: Request & Required<Pick<Request, 'principal'>>,
  resourcePolicy: readonly Statement[],
  identityPolicy: readonly Statement[] | undefined,
  account: string,
): Decision {
  const byResource = evaluate(resourcePolicy, request);
  const byIdentity = identityPolicy === undefined ? undefined : evaluate(identityPolicy, request);
  for (const decision of [byResource, byIdentity])
    if (decision?.decision === 'explicit-deny') return decision;
  if (request.principal.type === 'Service') return byResource;
  const sameAccount = request.principal.id.split(':')[4] === account;
  if (sameAccount) return byResource.decision === 'allowed' ? byResource : (byIdentity ?? byResource);
  return byResource;
}
