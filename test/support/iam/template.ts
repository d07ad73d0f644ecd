/**
 * The IAM policies of a synthesized template's roles, with every intrinsic resolved to concrete
 * ARNs for one account, region and set of physical names, so they can be evaluated against
 * recorded calls (test/support/iam/policy.ts).
 */
import type { Statement } from './policy.ts';

type Json = Record<string, unknown>;

export interface CfnTemplate {
  readonly Resources: Readonly<Record<string, { readonly Type: string; readonly Properties?: Json }>>;
}

export interface Deployment {
  readonly account: string;
  readonly region: string;
  /** Physical names of resources the template leaves to CloudFormation (the table, the bucket). */
  readonly physicalNames: Readonly<Record<string, string>>;
}

/** Properties that name a resource, per type. */
const NAME_PROPERTY: Readonly<Record<string, string>> = {
  'AWS::SQS::Queue': 'QueueName',
  'AWS::DynamoDB::Table': 'TableName',
  'AWS::S3::Bucket': 'BucketName',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::IAM::Role': 'RoleName',
};

export class TemplateResolver {
  readonly #template: CfnTemplate;
  readonly #deployment: Deployment;

  constructor(template: CfnTemplate, deployment: Deployment) {
    this.#template = template;
    this.#deployment = deployment;
  }

  #resource(id: string): { Type: string; Properties?: Json } {
    const found = this.#template.Resources[id];
    if (found === undefined) throw new Error(`the template has no resource ${id}`);
    return found;
  }

  /** The physical name: given in the deployment, or the resource's own name property. */
  physicalName(id: string): string {
    const given = this.#deployment.physicalNames[id];
    if (given !== undefined) return given;
    const resource = this.#resource(id);
    const property = NAME_PROPERTY[resource.Type];
    const name = property === undefined ? undefined : resource.Properties?.[property];
    if (typeof name === 'string') return name;
    // A function's log group: named by CloudFormation; only the Lambda service writes to it, so
    // no recorded call names it and any unique name does.
    if (resource.Type === 'AWS::Logs::LogGroup') return `log-group-${id}`;
    throw new Error(`no physical name for ${id} (${resource.Type}): give it in Deployment.physicalNames`);
  }

  #arn(id: string, attribute: string): string {
    const { account, region } = this.#deployment;
    const type = this.#resource(id).Type;
    const name = this.physicalName(id);
    const arns: Record<string, string> = {
      'AWS::SQS::Queue:Arn': `arn:aws:sqs:${region}:${account}:${name}`,
      'AWS::DynamoDB::Table:Arn': `arn:aws:dynamodb:${region}:${account}:table/${name}`,
      'AWS::DynamoDB::Table:StreamArn': `arn:aws:dynamodb:${region}:${account}:table/${name}/stream/2026-01-01T00:00:00.000`,
      'AWS::S3::Bucket:Arn': `arn:aws:s3:::${name}`,
      'AWS::Lambda::Function:Arn': `arn:aws:lambda:${region}:${account}:function:${name}`,
      'AWS::IAM::Role:Arn': `arn:aws:iam::${account}:role/${name}`,
      'AWS::Logs::LogGroup:Arn': `arn:aws:logs:${region}:${account}:log-group:${name}:*`,
      'AWS::Events::Rule:Arn': `arn:aws:events:${region}:${account}:rule/${name}`,
    };
    const arn = arns[`${type}:${attribute}`];
    if (arn === undefined) throw new Error(`cannot resolve Fn::GetAtt ${id}.${attribute} (${type})`);
    return arn;
  }

  #ref(id: string): string {
    const pseudo: Record<string, string> = {
      'AWS::Partition': 'aws',
      'AWS::Region': this.#deployment.region,
      'AWS::AccountId': this.#deployment.account,
      'AWS::URLSuffix': 'amazonaws.com',
    };
    const value = pseudo[id];
    if (value !== undefined) return value;
    if (this.#resource(id).Type === 'AWS::SNS::Topic') {
      const { region, account } = this.#deployment;
      return `arn:aws:sns:${region}:${account}:${this.physicalName(id)}`;
    }
    if (this.#resource(id).Type === 'AWS::SQS::Queue') {
      const { region, account } = this.#deployment;
      return `https://sqs.${region}.amazonaws.com/${account}/${this.physicalName(id)}`;
    }
    return this.physicalName(id);
  }

  /** A template value with Ref, Fn::GetAtt and Fn::Join resolved; other intrinsics throw, named. */
  resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((item) => this.resolve(item));
    if (typeof value !== 'object' || value === null) return value;
    const record = value as Json;
    const keys = Object.keys(record);
    if (keys.length === 1 && keys[0] === 'Ref') return this.#ref(String(record.Ref));
    if (keys.length === 1 && keys[0] === 'Fn::GetAtt') {
      const [id, attribute] = record['Fn::GetAtt'] as [string, string];
      return this.#arn(id, attribute);
    }
    if (keys.length === 1 && keys[0] === 'Fn::Join') {
      const [separator, parts] = record['Fn::Join'] as [string, unknown[]];
      return parts.map((part) => String(this.resolve(part))).join(separator);
    }
    const intrinsic = keys.find((key) => key.startsWith('Fn::'));
    if (intrinsic !== undefined)
      throw new Error(`unsupported intrinsic ${intrinsic} in ${JSON.stringify(value)}`);
    return Object.fromEntries(keys.map((key) => [key, this.resolve(record[key])]));
  }

  /** Every statement of the identity policies attached to the role, resolved. */
  roleStatements(roleId: string): Statement[] {
    const statements: Statement[] = [];
    const role = this.#resource(roleId);
    for (const inline of (role.Properties?.Policies ?? []) as { PolicyDocument: { Statement: unknown[] } }[])
      statements.push(...(this.resolve(inline.PolicyDocument.Statement) as Statement[]));
    for (const resource of Object.values(this.#template.Resources)) {
      if (resource.Type !== 'AWS::IAM::Policy') continue;
      const roles = (resource.Properties?.Roles ?? []) as unknown[];
      if (!roles.some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId }))) continue;
      const document = resource.Properties?.PolicyDocument as { Statement: unknown[] };
      statements.push(...(this.resolve(document.Statement) as Statement[]));
    }
    return statements;
  }

  /** The role's AWS-managed policies, resolved (their content is AWS's, not in the template). */
  managedPolicies(roleId: string): string[] {
    return ((this.#resource(roleId).Properties?.ManagedPolicyArns ?? []) as unknown[]).map((arn) =>
      String(this.resolve(arn)),
    );
  }

  /** The logical id a `{ "Fn::GetAtt": [id, "Arn"] }` role reference names. */
  static roleIdOf(reference: unknown): string {
    const getAtt = (reference as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt'];
    if (getAtt === undefined) throw new Error(`not a role reference: ${JSON.stringify(reference)}`);
    return getAtt[0];
  }
}
