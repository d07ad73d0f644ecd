// A synthesized stack with its nested stacks (each route's, the dashboard pages) folded into one
// template, as CloudFormation resolves them at deploy: a nested stack's parameters become the
// values the parent passes, the parent's reads of a nested output become that output's value,
// and nested resources keep their own logical ids behind their stack's (`<stack>/<id>`).
// Used by local mode's wiring (lib/local/template.ts) and the IAM tests (test/support/iam).

type Json = Record<string, unknown>;
export type Resources = Record<string, { Type: string; Properties?: Json }>;
export interface TemplateJson {
  Resources: Resources;
  Outputs?: Json;
}

function mapDeep(value: unknown, visit: (record: Json) => unknown): unknown {
  if (Array.isArray(value)) return value.map((item) => mapDeep(item, visit));
  if (typeof value !== 'object' || value === null) return value;
  const replaced = visit(value as Json);
  if (replaced !== undefined) return replaced;
  return Object.fromEntries(Object.entries(value as Json).map(([key, item]) => [key, mapDeep(item, visit)]));
}

/** The parent template with each nested one (by the parent's logical id of its stack resource) folded in. */
export function foldTemplates(
  parent: TemplateJson,
  nested: readonly { readonly id: string; readonly template: TemplateJson }[],
): { Resources: Resources } {
  const resources: Resources = { ...parent.Resources };
  const outputs = new Map<string, unknown>();
  for (const { id: nestedId, template } of nested) {
    const passed = (resources[nestedId]?.Properties?.Parameters ?? {}) as Json;
    const rename = (id: string) => `${nestedId}/${id}`;
    const rewrite = (value: unknown) =>
      mapDeep(value, (record) => {
        const ref = record.Ref;
        if (typeof ref === 'string' && Object.keys(record).length === 1) {
          if (ref in passed) return passed[ref];
          if (ref in template.Resources) return { Ref: rename(ref) };
        }
        const getAtt = record['Fn::GetAtt'] as [string, string] | undefined;
        if (getAtt !== undefined && getAtt[0] in template.Resources)
          return { 'Fn::GetAtt': [rename(getAtt[0]), getAtt[1]] };
        return undefined;
      });
    for (const [id, resource] of Object.entries(template.Resources))
      resources[rename(id)] = rewrite(resource) as Resources[string];
    for (const [name, output] of Object.entries(template.Outputs ?? {}))
      outputs.set(`${nestedId}.Outputs.${name}`, rewrite((output as { Value: unknown }).Value));
    delete resources[nestedId];
  }
  // Reads of nested outputs (the parent's, and a page's of a route's, passed through the parent).
  const readOutput = (value: unknown): unknown =>
    mapDeep(value, (record) => {
      const getAtt = record['Fn::GetAtt'] as [string, string] | undefined;
      if (getAtt === undefined) return undefined;
      const output = outputs.get(`${getAtt[0]}.${getAtt[1]}`);
      return output === undefined ? undefined : readOutput(output);
    });
  for (const [id, resource] of Object.entries(resources))
    resources[id] = readOutput(resource) as Resources[string];
  return { Resources: resources };
}
