// The IAM tests' view of a synthesized stack: its template with its nested stacks folded in
// (lib/local/fold.ts, the same fold local mode's wiring uses).
import { NestedStack, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { foldTemplates, type TemplateJson } from '../../../lib/local/fold.ts';
import type { CfnTemplate } from './template.ts';

/** The stack's template with every nested stack of it folded in (one level, as the bridge has). */
export function foldNestedStacks(stack: Stack): CfnTemplate {
  const nested = stack.node
    .findAll()
    .filter((c): c is NestedStack => c instanceof NestedStack && c.nestedStackParent === stack)
    .map((n) => ({
      id: stack.getLogicalId(n.nestedStackResource as never),
      template: Template.fromStack(n).toJSON() as TemplateJson,
    }));
  return foldTemplates(Template.fromStack(stack).toJSON() as TemplateJson, nested);
}
