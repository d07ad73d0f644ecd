import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/*
 * The AWS quotas a synthesized assembly must fit, checked on every template of it (the parent
 * and each nested stack) the way CloudFormation, CloudWatch, IAM and ECS would at deploy.
 * Synth itself checks none of them but the 500 resources.
 */
export const LIMITS = {
  /** CloudFormation: resources, outputs and parameters per stack. */
  resources: 500,
  outputs: 200,
  parameters: 200,
  /** CloudFormation: a template uploaded to S3 (CDK uploads nested and large templates). */
  templateBytes: 1_048_576,
  /** CloudWatch: widgets per dashboard. */
  dashboardWidgets: 500,
  /** IAM: managed policies attached to a role (the default quota; CDK's overflow policies count). */
  managedPoliciesPerRole: 10,
  /** ECS: the size of a task definition. */
  taskDefinitionBytes: 65_536,
} as const;

type Json = Record<string, unknown>;
type Resource = { Type: string; Properties?: Json };

/** The literal text of a CloudFormation string value: Fn::Join parts joined, intrinsics left out. */
function literalText(value: unknown): string {
  if (typeof value === 'string') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] } | null)?.['Fn::Join'];
  if (Array.isArray(join)) return join[1].map(literalText).join(join[0]);
  return '';
}

/** The roles a resource attaches managed policies to: `Roles` of a ManagedPolicy, or the role itself. */
function managedPolicyCounts(resources: Record<string, Resource>): Map<string, number> {
  const counts = new Map<string, number>();
  const add = (role: string, n: number) => counts.set(role, (counts.get(role) ?? 0) + n);
  for (const [id, resource] of Object.entries(resources)) {
    if (resource.Type === 'AWS::IAM::Role')
      add(id, ((resource.Properties?.ManagedPolicyArns as unknown[]) ?? []).length);
    if (resource.Type === 'AWS::IAM::ManagedPolicy') {
      for (const role of (resource.Properties?.Roles as { Ref?: string }[]) ?? []) {
        if (role.Ref !== undefined) add(role.Ref, 1);
      }
    }
  }
  return counts;
}

/** Every limit one template file exceeds, each naming the file, what and by how much. */
export function templateProblems(file: string): string[] {
  const problems: string[] = [];
  const template = JSON.parse(readFileSync(file, 'utf8')) as Json;
  const resources = (template.Resources ?? {}) as Record<string, Resource>;
  const over = (what: string, actual: number, limit: number) => {
    if (actual > limit) problems.push(`${file}: ${what} ${actual} > ${limit}`);
  };
  over('resources', Object.keys(resources).length, LIMITS.resources);
  over('outputs', Object.keys((template.Outputs ?? {}) as Json).length, LIMITS.outputs);
  over('parameters', Object.keys((template.Parameters ?? {}) as Json).length, LIMITS.parameters);
  over('bytes', statSync(file).size, LIMITS.templateBytes);
  for (const [id, resource] of Object.entries(resources)) {
    if (resource.Type === 'AWS::CloudWatch::Dashboard') {
      const widgets = literalText(resource.Properties?.DashboardBody).match(/\{"type":"/g) ?? [];
      over(`dashboard ${id} widgets`, widgets.length, LIMITS.dashboardWidgets);
    }
    if (resource.Type === 'AWS::ECS::TaskDefinition') {
      over(
        `task definition ${id} bytes`,
        JSON.stringify(resource.Properties).length,
        LIMITS.taskDefinitionBytes,
      );
    }
  }
  for (const [role, count] of managedPolicyCounts(resources)) {
    over(`managed policies of role ${role}`, count, LIMITS.managedPoliciesPerRole);
  }
  return problems;
}

/** The template files of an assembly directory (parent and nested). */
export function templateFiles(outdir: string): string[] {
  return readdirSync(outdir)
    .filter((name) => name.endsWith('.template.json'))
    .map((name) => join(outdir, name));
}
