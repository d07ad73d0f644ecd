import {
  GetSchemaVersionCommand,
  type GetSchemaVersionCommandOutput,
  type GlueClient,
} from '@aws-sdk/client-glue';
import { RegistryUnavailableError, SchemaNotFoundError } from './errors.ts';
import type { SchemaFormat } from './formats.ts';
import { type FetchedSchema, SchemaCache } from './registry.ts';

/*
 * The AWS Glue Schema Registry: `GetSchemaVersion` by the schema version id the record carries.
 * EntityNotFoundException means the version is unknown; any other failure (network, throttling,
 * access denied, a service error) means the registry is not answering as it should.
 */

export { GLUE_SCHEMA_ACCESS } from './glue-access.ts';

const FORMATS: Record<string, SchemaFormat> = { AVRO: 'avro', PROTOBUF: 'protobuf', JSON: 'json' };

export function glueFetcher(client: GlueClient): (versionId: string) => Promise<FetchedSchema> {
  return async (versionId) => {
    let answer: GetSchemaVersionCommandOutput;
    try {
      answer = await client.send(new GetSchemaVersionCommand({ SchemaVersionId: versionId }));
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'EntityNotFoundException') {
        throw new SchemaNotFoundError(`the Glue Schema Registry has no schema version ${versionId}`, {
          cause: error,
        });
      }
      throw new RegistryUnavailableError(
        `the Glue Schema Registry did not answer for schema version ${versionId}: ${name}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    const format = FORMATS[answer.DataFormat ?? ''];
    if (answer.SchemaDefinition === undefined || format === undefined) {
      throw new SchemaNotFoundError(
        `Glue schema version ${versionId} has no definition of a known format (${answer.DataFormat})`,
      );
    }
    return {
      format,
      definition: answer.SchemaDefinition,
      ref: {
        registry: 'glue',
        versionId,
        format,
        ...(answer.VersionNumber === undefined ? {} : { version: answer.VersionNumber }),
        ...(answer.SchemaArn === undefined ? {} : { schemaArn: answer.SchemaArn }),
      },
    };
  };
}

/** A cached Glue Schema Registry client; one per Glue client (region) per process. */
export function glueRegistry(client: GlueClient): SchemaCache<string> {
  return new SchemaCache(glueFetcher(client), 'glue');
}
