// A LocalBridge running a config's routes against the shared broker and emulators, for the
// worlds the end-to-end tests build (the console's, the docs' commands').
import type { Kafka } from 'kafkajs';
import type { BridgeConfig } from '../../lib/config/index.ts';
import { LocalBridge, type LocalLog } from '../../lib/local/bridge.ts';
import { type LocalClients, localClients } from '../../lib/local/clients.ts';
import { type Provisioned, provision } from '../../lib/local/provision.ts';
import { createKafka } from './kafka.ts';

export interface RunningLocalBridge {
  readonly clients: LocalClients;
  readonly provisioned: Provisioned;
  readonly kafka: Kafka;
  readonly bridge: LocalBridge;
}

export interface LocalBridgeWorld {
  /** The completions table and bucket (unique names, so tests do not share them). */
  readonly tableName: string;
  readonly bucket: string;
  readonly clientId: string;
  readonly log: LocalLog;
}

/** Provisions the config's routes under `world`'s names and starts a LocalBridge running them. */
export async function startLocalBridge(
  config: BridgeConfig,
  world: LocalBridgeWorld,
): Promise<RunningLocalBridge> {
  const clients = localClients();
  const provisioned = await provision(config, clients, { tableName: world.tableName, bucket: world.bucket });
  const kafka = createKafka(world.clientId);
  const bridge = new LocalBridge({
    routes: config.routes,
    clients,
    provisioned,
    kafka,
    log: world.log,
  });
  await bridge.start();
  return { clients, provisioned, kafka, bridge };
}
