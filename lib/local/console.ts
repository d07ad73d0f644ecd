import { CliContext } from '../cli/context.ts';
import type { BridgeConfig } from '../config/index.ts';
import { type RunningConsole, startConsole } from '../console/server.ts';
import { LOCAL_REGION, type LocalEndpoints } from './clients.ts';
import type { Provisioned } from './provision.ts';

export interface LocalConsoleOptions {
  /** 0: a free port. */
  readonly port?: number;
  readonly allowReplay?: boolean;
}

/**
 * The operator console (docs/console.md) on local mode's routes and resources: the same server
 * `kafka-bridge console` runs, with the CLI's context pointed at the emulators and the tables and
 * bucket local mode provisioned. Prints its URL (with the access token) once.
 */
export async function startLocalConsole(
  config: BridgeConfig,
  provisioned: Provisioned,
  endpoints: LocalEndpoints,
  options: LocalConsoleOptions,
  out: NodeJS.WritableStream,
): Promise<{ readonly url: string; close(): Promise<void> }> {
  const ctx = new CliContext(
    config,
    { sqsEndpoint: endpoints.sqs, table: provisioned.tableName, bucket: provisioned.bucket },
    {
      AWS_ENDPOINT_URL: endpoints.aws,
      AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
      AWS_REGION: LOCAL_REGION,
    },
  );
  let running: RunningConsole;
  try {
    running = await startConsole({
      ctx,
      ...(options.port === undefined ? {} : { port: options.port }),
      allowReplay: options.allowReplay === true,
    });
  } catch (error) {
    ctx.destroy();
    throw error;
  }
  out.write(
    `console: ${running.url}  (${options.allowReplay === true ? 'replay allowed' : 'read-only; --allow-replay to replay'})\n`,
  );
  return {
    url: running.url,
    close: async () => {
      await running.close();
      ctx.destroy();
    },
  };
}
