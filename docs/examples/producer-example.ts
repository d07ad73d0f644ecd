// A team's producer with kafka-endpoint-bridge/producer (docs/producer.md): retries with backoff,
// 50 records a second per partition at most, a Discord alert when a record is given up.
// In your own code: import { BridgeProducer, DiscordClient, discordFailureAlert } from 'kafka-endpoint-bridge/producer';
import { BridgeProducer, DiscordClient, discordFailureAlert } from '../../producer.ts';

export async function sendOrders(
  brokers: string[],
  topic: string,
  orders: readonly { readonly id: string; readonly customer: string }[],
  discordWebhookUrl?: string,
): Promise<number> {
  const producer = new BridgeProducer({
    kafka: { brokers }, // the bridge config's `kafka` section: add ssl, sasl or mtls as your cluster needs
    retry: { attempts: 5, baseMs: 200, maxMs: 10_000 },
    rateLimit: { perSecond: 50, burst: 10 },
    onFailure: (failure) =>
      console.error(`order not written after ${failure.attempts} attempts: ${failure.error.message}`),
    ...(discordWebhookUrl === undefined
      ? {}
      : {
          alert: discordFailureAlert(
            new DiscordClient(),
            { secret: 'orders/discord', url: discordWebhookUrl },
            'orders',
          ),
        }),
  });
  let written = 0;
  try {
    for (const order of orders) {
      // Keyed by customer: one customer's orders stay in order (one partition).
      await producer.send(topic, order.customer, JSON.stringify(order), {
        'content-type': 'application/json',
      });
      written += 1;
    }
  } finally {
    await producer.close();
  }
  return written;
}
