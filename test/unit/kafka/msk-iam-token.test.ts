import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mskIamTokenProvider } from '../../../lib/kafka/client.ts';

describe('MSK IAM auth', () => {
  test('the OAUTHBEARER token is a SigV4-presigned kafka-cluster:Connect URL for the region', async () => {
    // Prepare: static credentials in the environment, as a Lambda role provides them.
    process.env.AWS_ACCESS_KEY_ID = 'AKIDEXAMPLE';
    process.env.AWS_SECRET_ACCESS_KEY = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';

    // Act
    const { value } = await mskIamTokenProvider('eu-west-1')();

    // Assess
    const url = new URL(Buffer.from(value, 'base64url').toString('utf8'));
    assert.equal(url.host, 'kafka.eu-west-1.amazonaws.com');
    assert.equal(url.searchParams.get('Action'), 'kafka-cluster:Connect');
    assert.match(
      url.searchParams.get('X-Amz-Credential') ?? '',
      /^AKIDEXAMPLE\/\d{8}\/eu-west-1\/kafka-cluster\/aws4_request$/,
    );
    assert.ok(url.searchParams.get('X-Amz-Signature'));
  });
});
