// Endpoint authentication (endpoint.auth, docs/deliver.md): OAuth2 client credentials against a
// real authorization server (oidc-provider on loopback) and a client certificate presented to an
// HTTPS endpoint that requires one (the local CA's certificates, made by scripts/kafka.sh with
// openssl under .run). The deliverer runs as Lambda runs it, on ElasticMQ and moto.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type DeliverWorld, deliverWorld, routeUnderTest } from '../support/deliver-route.ts';
import { authListener, serverTls } from '../support/kafka-auth.ts';
import { AuthorizationServer, OAUTH_CLIENT, OAUTH_SCOPE } from '../support/oauth2.ts';

let world: DeliverWorld;
let credentials: string;

before(async () => {
  world = await deliverWorld();
  credentials = await world.secret('oauth', JSON.stringify(OAUTH_CLIENT));
});

after(() => world.close());

function oauth2(tokenUrl: string) {
  return {
    auth: {
      oauth2: {
        tokenUrl,
        credentialsSecret: credentials,
        scope: OAUTH_SCOPE,
        audience: 'https://orders.example.com',
      },
    },
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('endpoint auth: OAuth2 client credentials', () => {
  test('one token for many calls, valid and with the scope; a 401 fetches one new token and the call succeeds', async () => {
    // Prepare: the endpoint refuses the tokens in `refused` (as an endpoint does once a token is revoked).
    const server = await AuthorizationServer.start();
    const refused = new Set<string>();
    const r = await routeUnderTest(
      world,
      (request) => (refused.has(String(request.headers.authorization)) ? { status: 401 } : { status: 200 }),
      { endpoint: oauth2(server.tokenUrl) },
    );
    try {
      for (let offset = 0; offset < 5; offset++) await r.send(`k${offset}`, offset);
      // Act
      r.runner.start();
      for (let offset = 0; offset < 5; offset++) assert.equal((await r.finished(offset)).status, 'delivered');
      // Assess: one token request, the token genuine and scoped.
      assert.equal(server.tokenRequests, 1, 'the token is cached between calls');
      const first = r.endpoint.received[0]?.headers.authorization;
      assert.equal(await server.scopeOf(first), OAUTH_SCOPE);
      assert.ok(r.endpoint.received.every((request) => request.headers.authorization === first));

      // Act: the endpoint stops accepting that token.
      refused.add(String(first));
      await r.send('k5', 5);
      const completion = await r.finished(5);
      // Assess: 401, one new token, the same call sent again with it, delivered as one attempt.
      assert.equal(completion.status, 'delivered');
      assert.equal(completion.attempts, 1);
      assert.equal(server.tokenRequests, 2);
      const calls = r.endpoint.requestsOf('k5');
      assert.equal(calls.length, 2);
      assert.equal(calls[0]?.headers.authorization, first);
      const renewed = calls[1]?.headers.authorization;
      assert.notEqual(renewed, first);
      assert.equal(await server.scopeOf(renewed), OAUTH_SCOPE);
      assert.deepEqual(r.errors, []);
    } finally {
      await r.stop();
      await server.stop();
    }
  });

  test('a token is renewed shortly before it expires (a 3 s token: after 2.7 s)', async () => {
    const server = await AuthorizationServer.start({ ttlSeconds: 3 });
    const r = await routeUnderTest(world, () => ({ status: 200 }), { endpoint: oauth2(server.tokenUrl) });
    try {
      await r.send('k0', 0);
      r.runner.start();
      await r.finished(0);
      await r.send('k1', 1);
      await r.finished(1);
      assert.equal(server.tokenRequests, 1);
      await sleep(3_000);
      await r.send('k2', 2);
      await r.finished(2);
      assert.equal(server.tokenRequests, 2, 'a new token, not the expiring one');
      assert.equal(await server.scopeOf(r.endpoint.requestsOf('k2')[0]?.headers.authorization), OAUTH_SCOPE);
      assert.equal(r.endpoint.requestsOf('k2').length, 1, 'no 401 first: the old token was not sent');
    } finally {
      await r.stop();
      await server.stop();
    }
  });

  test("a token endpoint that is down is retried with the record's backoff, never dead-lettered", async () => {
    // Prepare: nothing listens on the token URL's port yet; 2 attempts before a dead letter.
    const port = await freePort();
    const r = await routeUnderTest(world, () => ({ status: 200 }), {
      endpoint: oauth2(`http://127.0.0.1:${port}/token`),
      overrides: { retry: { attempts: 2, inProcessAttempts: 1, baseMs: 50, maxMs: 300, jitter: 'none' } },
    });
    let server: AuthorizationServer | undefined;
    try {
      await r.send('k1', 0);
      // Act: several receives, more than retry.attempts, while the token endpoint is down.
      r.runner.start();
      await sleep(4_000);
      // Assess: not called, not finished (a dead letter would be), still in its queue.
      assert.equal(r.endpoint.received.length, 0);
      assert.equal(r.errors.length, 0);
      await assert.rejects(
        r.finished(0, { timeoutMs: 200 }),
        'no completion: neither delivered nor dead-lettered',
      );
      // Act: the token endpoint comes up.
      server = await AuthorizationServer.start({ port });
      // Assess
      assert.equal((await r.finished(0)).status, 'delivered');
      assert.equal(await server.scopeOf(r.endpoint.received[0]?.headers.authorization), OAUTH_SCOPE);
    } finally {
      await r.stop();
      await server?.stop();
    }
  });
});

describe('endpoint auth: client certificate (mTLS)', () => {
  test('the certificate of the secret is presented; one of another CA is refused by the endpoint', async () => {
    const mtls = authListener('mtls');
    const good = await world.secret('cert', JSON.stringify(mtls.secret));
    const wrong = await world.secret(
      'cert',
      JSON.stringify({ ...mtls.wrongSecret, caCertificate: mtls.secret.caCertificate }),
    );
    const tls = serverTls();
    const ok = await routeUnderTest(world, () => ({ status: 200 }), {
      tls,
      endpoint: { auth: { clientCertificateSecret: good } },
    });
    const refused = await routeUnderTest(world, () => ({ status: 200 }), {
      tls,
      endpoint: { auth: { clientCertificateSecret: wrong } },
      overrides: { retry: { attempts: 2, inProcessAttempts: 1, baseMs: 50, maxMs: 300, jitter: 'none' } },
    });
    try {
      await ok.send('k1', 0);
      await refused.send('k1', 0);
      ok.runner.start();
      refused.runner.start();
      assert.equal((await ok.finished(0)).status, 'delivered');
      assert.equal(ok.endpoint.received[0]?.clientCertificate, 'bridge-client');
      // The TLS handshake fails: a retryable network failure, then the record's dead letter.
      assert.equal((await refused.finished(0)).status, 'dead-lettered');
      assert.equal(refused.endpoint.received.length, 0);
    } finally {
      await ok.stop();
      await refused.stop();
    }
  });
});
