import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Producer } from 'kafkajs';
import { CompletionStore } from '../../lib/completion/store.ts';
import { parseBridgeConfig, type Route } from '../../lib/config/index.ts';
import { messageGroupId } from '../../lib/envelope/index.ts';
import type { LocalBridge } from '../../lib/local/bridge.ts';
import { destroyClients, type LocalClients } from '../../lib/local/clients.ts';
import { QuarantineStore } from '../../lib/quarantine/quarantine.ts';
import { cliEnv, uniqueName } from './aws.ts';
import { ledgerCompletion } from './completions.ts';
import { TestEndpoint } from './endpoint.ts';
import { createTopic, deleteTopics, kafkaBrokers } from './kafka.ts';
import { startLocalBridge } from './local-bridge.ts';

/*
 * A local-mode world for the docs' CLI commands: one route of its own (unique names) run by
 * LocalBridge against the shared broker and emulators, with a dead letter, a quarantined key and
 * a record parked behind it. The endpoint answers 422 "no such customer" to the first request of
 * each poison record and 2xx to everything else, so a replay delivers.
 */
export class DocWorld {
  readonly route: Route;
  readonly topic: string;
  /** A config file naming the route, for the CLI's --config. */
  readonly configFile: string;
  /** The CLI's environment: the emulators, the world's table and bucket. */
  readonly env: NodeJS.ProcessEnv;
  /** A dead-lettered record id (the world's first poison record); it stays archived. */
  readonly recordId: string;
  #key: string;
  #keys = 1;
  readonly #poison: Set<string>;
  readonly #dir: string;
  readonly #clients: LocalClients;
  readonly #producer: Producer;
  readonly #bridge: LocalBridge;
  readonly #endpoint: TestEndpoint;
  readonly #completions: CompletionStore;
  readonly #quarantine: QuarantineStore;

  private constructor(parts: {
    route: Route;
    dir: string;
    configFile: string;
    env: NodeJS.ProcessEnv;
    clients: LocalClients;
    poison: Set<string>;
    producer: Producer;
    bridge: LocalBridge;
    endpoint: TestEndpoint;
    table: string;
  }) {
    this.route = parts.route;
    this.topic = parts.route.topics[0] ?? '';
    this.configFile = parts.configFile;
    this.env = parts.env;
    this.recordId = `${this.route.name}/${this.topic}/0/0`;
    this.#key = 'order-1';
    this.#dir = parts.dir;
    this.#clients = parts.clients;
    this.#poison = parts.poison;
    this.#producer = parts.producer;
    this.#bridge = parts.bridge;
    this.#endpoint = parts.endpoint;
    this.#completions = new CompletionStore({ client: parts.clients.dynamo, tableName: parts.table });
    this.#quarantine = new QuarantineStore(parts.clients.dynamo, parts.table);
  }

  static async start(): Promise<DocWorld> {
    const name = uniqueName('docs');
    await createTopic(name, 1);
    const poison = new Set<string>();
    const endpoint = await TestEndpoint.start((request) =>
      poison.has(request.recordId) && request.nth === 1
        ? { status: 422, body: 'no such customer' }
        : { status: 200, body: 'ok' },
    );
    const input = {
      kafka: { brokers: kafkaBrokers() },
      routes: [
        { name, topics: [name], endpoint: { type: 'http', url: endpoint.url }, retry: { baseMs: 50 } },
      ],
    };
    const config = parseBridgeConfig(input);
    const dir = await mkdtemp(join(tmpdir(), 'doc-commands-'));
    const configFile = join(dir, 'bridge.config.mjs');
    await writeFile(configFile, `export default ${JSON.stringify(input)};\n`);
    const table = uniqueName('docs-completions');
    const bucket = uniqueName('docs-bucket');
    const log = { info: () => undefined, warn: () => undefined, error: () => undefined };
    const { clients, kafka, bridge } = await startLocalBridge(config, {
      tableName: table,
      bucket,
      clientId: 'doc-commands',
      log,
    });
    const producer = kafka.producer();
    await producer.connect();
    const route = config.routes[0];
    if (route === undefined) throw new Error('the world has no route');
    const env = cliEnv({ table, bucket });
    const world = new DocWorld({
      route,
      dir,
      configFile,
      env,
      clients,
      poison,
      producer,
      bridge,
      endpoint,
      table,
    });
    await world.#quarantineKey('order-1');
    await world.#produce('order-2', false);
    return world;
  }

  /** The quarantined key the docs' `<key>` stands for. */
  get key(): string {
    return this.#key;
  }

  /** Makes sure `key` is quarantined: a fresh key when the last one was replayed meanwhile. */
  async ensureQuarantined(): Promise<void> {
    const entries = await this.#quarantine.load(this.route.name);
    if (entries.has(this.#groupOf(this.#key))) return;
    this.#keys += 1;
    await this.#quarantineKey(`order-${this.#keys}`);
  }

  /** A poison record of `key` (dead-lettered, the key quarantined) and one parked behind it. */
  async #quarantineKey(key: string): Promise<void> {
    const poisoned = await this.#produce(key, true);
    const parked = await this.#produce(key, false);
    this.#key = key;
    await this.#waitFor(`${key} quarantined, its second record parked`, async () => {
      const done = await Promise.all(
        [poisoned, parked].map((o) => ledgerCompletion(this.#completions, this.route.name, this.topic, 0, o)),
      );
      const entries = await this.#quarantine.load(this.route.name);
      return done.every((c) => c !== undefined) && entries.has(this.#groupOf(key));
    });
  }

  async #produce(key: string, poison: boolean): Promise<bigint> {
    const [sent] = await this.#producer.send({
      topic: this.topic,
      messages: [{ key, value: JSON.stringify({ key }) }],
    });
    const offset = sent?.baseOffset ?? '';
    if (poison) this.#poison.add(`${this.route.name}/${this.topic}/0/${offset}`);
    return BigInt(offset);
  }

  #groupOf(key: string): string {
    return messageGroupId({
      key: Buffer.from(key),
      partition: 0,
      offset: '0',
      ordering: this.route.ordering,
    });
  }

  async #waitFor(what: string, done: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!(await done())) {
      if (Date.now() > end) throw new Error(`doc world: timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  async stop(): Promise<void> {
    await this.#bridge.stop();
    await this.#producer.disconnect();
    await this.#endpoint.stop();
    destroyClients(this.#clients);
    await deleteTopics([this.topic]);
    await rm(this.#dir, { recursive: true, force: true });
  }
}
