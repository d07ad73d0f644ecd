import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { SecretError, type SecretReader } from './secrets.ts';

/**
 * A client certificate for mutual TLS, from a secret holding
 * `{ "certificate", "privateKey", "caCertificate"? }` in PEM: `certificate` may hold the chain
 * (leaf first), `privateKey` must be unencrypted (PKCS#8 or PKCS#1), `caCertificate` is for a
 * server whose certificate no public CA signed. Used for Kafka (kafka.mtls) and for endpoints
 * (endpoint.auth.clientCertificateSecret). Messages name the secret and the field, never a value.
 */
export interface ClientCertificate {
  readonly cert: string;
  readonly key: string;
  readonly ca?: string;
}

export const MTLS_FORMAT = 'expected JSON {"certificate","privateKey","caCertificate"?} in PEM';

export async function readClientCertificate(
  secrets: SecretReader,
  secret: string,
): Promise<ClientCertificate> {
  return clientCertificateOf(secret, await secrets.stringMap(secret));
}

/** The checked certificate of a secret's fields. */
export function clientCertificateOf(secret: string, fields: Record<string, string>): ClientCertificate {
  const cert = requiredField(secret, fields, 'certificate', MTLS_FORMAT);
  const key = requiredField(secret, fields, 'privateKey', MTLS_FORMAT);
  const certificate = parseCertificate(secret, 'certificate', cert);
  const privateKey = parsePrivateKey(secret, key);
  if (!certificate.checkPrivateKey(privateKey)) {
    throw new SecretError(secret, 'field "privateKey" is not the key of the certificate in "certificate"');
  }
  return { cert, key, ...caOption(secret, fields) };
}

export function requiredField(
  secret: string,
  fields: Record<string, string>,
  name: string,
  format: string,
): string {
  const value = fields[name];
  if (value === undefined || value.trim() === '') {
    throw new SecretError(secret, `field "${name}" is missing or empty (${format})`);
  }
  return value;
}

export function caOption(secret: string, fields: Record<string, string>): { ca?: string } {
  const ca = fields.caCertificate;
  if (ca === undefined || ca.trim() === '') return {};
  parseCertificate(secret, 'caCertificate', ca);
  return { ca };
}

function parseCertificate(secret: string, field: string, pem: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (error) {
    throw new SecretError(secret, `field "${field}" is not a PEM certificate`, { cause: error });
  }
}

function parsePrivateKey(secret: string, pem: string): KeyObject {
  try {
    return createPrivateKey({ key: pem, format: 'pem' });
  } catch (error) {
    throw new SecretError(secret, 'field "privateKey" is not an unencrypted PEM private key', {
      cause: error,
    });
  }
}
