import type { ResourceAccess } from '../aws/access.ts';

/** What the decoder calls on AWS Glue (lib/decode/glue.ts): the construct grants exactly this to a poller whose route decodes through Glue. */
export const GLUE_SCHEMA_ACCESS: ResourceAccess = { actions: ['glue:GetSchemaVersion'] };
