// Benchmark (not a test): DynamoDB calls per second that each local emulator answers, with the
// calls the bridge makes per record and per batch, through the bridge's own stores:
// CompletionStore.put (conditional PutItem, one per delivered record), CompletionStore.get
// (consistent GetItem, one per record) and QuarantineStore.load (consistent Query, one per
// batch). Run: npm run bench:dynamodb -- [seconds per call type=5] [calls in flight=8]
// Compares moto (AWS_ENDPOINT_URL, port 4566) with DynamoDB Local (AWS_ENDPOINT_URL_DYNAMODB,
// else port DYNAMODB_PORT or 8000, started by `bash scripts/aws-emulator.sh start dynamodb`).
import { CreateTableCommand, DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { CompletionStore } from '../lib/completion/store.ts';
import { completionTableDefinition } from '../lib/completion/table.ts';
import { localEndpoints } from '../lib/local/clients.ts';
import { QuarantineStore } from '../lib/quarantine/quarantine.ts';
import { dynamoClient, uniqueName } from '../test/support/aws.ts';
import { exitIfArgsCheck } from './lib/args.ts';
import { dynamoDbLocalUrl, machineFacts, writeResult } from './lib/env.ts';

const seconds = Number(process.argv[2] ?? 5);
const inFlight = Number(process.argv[3] ?? 8);
if (!(seconds > 0) || !Number.isInteger(inFlight) || inFlight < 1) {
  throw new Error(
    `usage: bench/dynamodb-emulators.ts [seconds > 0] [calls in flight >= 1], got ${process.argv.slice(2)}`,
  );
}
exitIfArgsCheck();

/** Runs `call` with `inFlight` callers for `seconds`; calls per second. */
async function rate(call: (i: number) => Promise<unknown>): Promise<number> {
  let calls = 0;
  const end = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < end) {
        await call(calls);
        calls += 1;
      }
    }),
  );
  return calls / ((performance.now() - started) / 1000);
}

interface EmulatorRates {
  readonly emulator: string;
  readonly endpoint: string;
  readonly putItemPerSec: number;
  readonly getItemPerSec: number;
  readonly queryPerSec: number;
}

async function measure(emulator: string, endpoint: string): Promise<EmulatorRates> {
  const client = dynamoClient(endpoint);
  const table = uniqueName('bench-ddb');
  await client.send(new CreateTableCommand(completionTableDefinition(table)));
  try {
    const completions = new CompletionStore({ client, tableName: table });
    const quarantine = new QuarantineStore(client, table);
    let next = 0n;
    const putItemPerSec = await rate(async () => {
      const from = next++;
      await completions.put({
        route: 'bench',
        topic: 'bench',
        partition: Number(from % 4n),
        from,
        offset: from,
        status: 'delivered',
        at: Date.now(),
        attempts: 1,
      });
    });
    const written = next;
    const getItemPerSec = await rate((i) =>
      completions.get('bench', 'bench', i % 4, BigInt(i) % (written > 0n ? written : 1n)),
    );
    const queryPerSec = await rate(() => quarantine.load('bench'));
    return { emulator, endpoint, putItemPerSec, getItemPerSec, queryPerSec };
  } finally {
    await client.send(new DeleteTableCommand({ TableName: table }));
    client.destroy();
  }
}

const moto = localEndpoints().aws;
const dynamoDbLocal = await dynamoDbLocalUrl();
const results: EmulatorRates[] = [await measure('moto', moto)];
if (dynamoDbLocal === undefined) {
  console.log('DynamoDB Local is not answering: start it with `bash scripts/aws-emulator.sh start dynamodb`');
} else {
  results.push(await measure('DynamoDB Local', dynamoDbLocal));
}
console.log(`${seconds} s per call type, ${inFlight} calls in flight, one client`);
console.log('| emulator | PutItem/s (conditional) | GetItem/s (consistent) | Query/s (consistent) |');
console.log('| --- | ---: | ---: | ---: |');
for (const r of results) {
  console.log(
    `| ${r.emulator} | ${Math.round(r.putItemPerSec)} | ${Math.round(r.getItemPerSec)} | ${Math.round(r.queryPerSec)} |`,
  );
}
await writeResult('dynamodb-emulators', {
  params: { seconds, inFlight },
  machine: machineFacts(),
  results,
});
