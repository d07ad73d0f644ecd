import { Stack, Validations } from 'aws-cdk-lib';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { IConstruct } from 'constructs';

/*
 * cdk-nag (AwsSolutions) findings the bridge accepts, each with its reason. cdk-nag 3 reads
 * acknowledgments from CDK's Validations metadata on the resource or any of its ancestors, and
 * each IAM finding is acknowledged one by one (`AwsSolutions-IAM5[Resource::...]`), so a new
 * wildcard shows up as a new finding instead of hiding behind an old acknowledgment.
 */

/**
 * A wildcard resource of one of the scope's policies. `resource` is the ARN pattern as the code
 * wrote it (tokens allowed); the finding names it the way cdk-nag flattens CloudFormation.
 * Named once the app is prepared (a node validation runs after that, before cdk-nag): a
 * reference to another stack's resource (a route's nested stack using the shared bucket) is
 * only then the parameter the template holds.
 */
export function acknowledgeWildcardResource(scope: IConstruct, resource: string, reason: string): void {
  scope.node.addValidation({
    validate: () => {
      const flat = flattenReference(Stack.of(scope).resolve(resource));
      Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[Resource::${flat}]`, reason });
      return [];
    },
  });
}

/** An action that AWS only grants on `*` (it has no resource-level permissions). */
export function acknowledgeStarResource(scope: IConstruct, reason: string): void {
  Validations.of(scope).acknowledge({ id: 'AwsSolutions-IAM5[Resource::*]', reason });
}

/**
 * A secret referenced by name (or partial ARN): its grant matches the random six-character
 * suffix Secrets Manager appends (`-??????`), the narrowest pattern for one named secret. A
 * secret passed by complete ARN has no such finding; acknowledging it then changes nothing.
 */
export function acknowledgeSecretGrant(
  scope: IConstruct,
  secret: secretsmanager.ISecret,
  what: string,
): void {
  acknowledgeWildcardResource(
    scope,
    `${secret.secretArn}-??????`,
    `Reads the ${what} secret only: a secret named without its suffix is matched by the six-character suffix Secrets Manager appends.`,
  );
}

/** The string cdk-nag writes for a resolved CloudFormation value: `<Logical.Attr>`, `<Logical>`, joins concatenated. */
function flattenReference(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    const ref = record.Ref;
    if (typeof ref === 'string') return `<${ref}>`;
    const getAtt = record['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return `<${getAtt.join('.')}>`;
    const join = record['Fn::Join'];
    if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) {
      return join[1].map(flattenReference).join(join[0]);
    }
  }
  return JSON.stringify(value);
}
