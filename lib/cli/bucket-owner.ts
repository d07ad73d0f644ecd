import type { S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient, type STSClientConfig } from '@aws-sdk/client-sts';
import { CliError } from './errors.ts';
import { isRegionMissing, noRegionError } from './where.ts';

/** The account moto (the local S3 emulator) owns every bucket with. */
export const EMULATOR_ACCOUNT = '123456789012';

/**
 * Puts `ExpectedBucketOwner` on every request the CLI's S3 client sends (an `initialize`
 * middleware, so no call can forget it): S3 then refuses with 403 when the bucket belongs to
 * another account, e.g. a bucket of the same name someone else created after ours was deleted.
 * `owner` is asked once, on the first S3 call.
 */
export function expectBucketOwner(s3: S3Client, owner: () => Promise<string>): void {
  let resolved: Promise<string> | undefined;
  s3.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as { ExpectedBucketOwner?: string };
      resolved ??= owner();
      input.ExpectedBucketOwner ??= await resolved;
      return next(args);
    },
    { step: 'initialize', name: 'kafkaBridgeExpectedBucketOwner' },
  );
}

/** The account of the credentials in use (STS GetCallerIdentity): the owner when the bucket is in it. */
export async function callerAccount(config: STSClientConfig): Promise<string> {
  const sts = new STSClient(config);
  try {
    const out = await sts.send(new GetCallerIdentityCommand({}));
    if (out.Account === undefined) throw new Error('GetCallerIdentity returned no account');
    return out.Account;
  } catch (error) {
    if (isRegionMissing(error)) throw noRegionError(error);
    throw new CliError(
      `cannot tell which account must own the archive bucket (STS GetCallerIdentity failed: ${error instanceof Error ? error.name : String(error)}): pass --bucket-owner <account id> or set BRIDGE_BUCKET_OWNER`,
      { cause: error },
    );
  } finally {
    sts.destroy();
  }
}
