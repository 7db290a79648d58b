import { createHash, timingSafeEqual } from 'node:crypto';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';

/**
 * Checks an AWS Signature V4 the way API Gateway's IAM authorization does on AWS: the local server
 * has no gateway in front of it. Both scopes are accepted: `connect` (what @aws-sdk/client-connect
 * signs for) and `execute-api` (what a client configured for a deployed API signs for).
 */
export interface LocalCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface SignedRequest {
  method: string;
  /** The path as it arrived, still percent-encoded. */
  path: string;
  query: Record<string, string | string[]>;
  headers: Record<string, string>; // lower-case names
  body: string;
}

const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;
const SERVICES = new Set(['connect', 'execute-api']);
/** AWS refuses signatures more than 15 minutes from its clock. */
const MAX_SKEW_MS = 15 * 60 * 1000;

/** Why the signature was refused, or undefined when it holds. */
export async function verifySigV4(request: SignedRequest, credentials: LocalCredentials, now = Date.now()): Promise<string | undefined> {
  const match = AUTHORIZATION.exec(request.headers.authorization ?? '');
  if (!match) return 'Missing or malformed Authorization header';
  const [, accessKeyId, day, region, service, signedHeaders, signature] = match as unknown as string[];
  if (accessKeyId !== credentials.accessKeyId) return 'The security token included in the request is invalid';
  if (!SERVICES.has(service!)) return `Credential should be scoped to a valid service: ${service}`;
  const amzDate = request.headers['x-amz-date'] ?? '';
  const signingDate = parseAmzDate(amzDate);
  if (!signingDate || !amzDate.startsWith(day!)) return 'Missing or invalid X-Amz-Date';
  if (Math.abs(now - signingDate.getTime()) > MAX_SKEW_MS) return 'Signature expired';
  // The signer trusts this header as the body's hash: check it against the body, or a captured request
  // could be replayed with another body of the caller's choosing.
  const contentHash = request.headers['x-amz-content-sha256'];
  if (contentHash !== undefined && contentHash !== createHash('sha256').update(request.body, 'utf8').digest('hex')) {
    return 'The provided x-amz-content-sha256 header does not match what was computed';
  }
  const names = signedHeaders!.split(';');
  if (!names.includes('host')) return 'The host header must be signed';
  const headers: Record<string, string> = {};
  for (const name of names) {
    const value = request.headers[name];
    if (value === undefined) return `Signed header ${name} is missing`;
    headers[name] = value;
  }
  const signer = new SignatureV4({ credentials, region: region!, service: service!, sha256: Sha256, applyChecksum: false });
  const signed = await signer.sign(
    new HttpRequest({ method: request.method, hostname: headers.host, path: request.path, query: request.query, headers, body: request.body }),
    { signingDate },
  );
  const expected = /Signature=([0-9a-f]{64})/.exec(String(signed.headers.authorization ?? ''))?.[1] ?? '';
  const given = Buffer.from(signature!);
  const ok = expected.length === given.length && timingSafeEqual(Buffer.from(expected), given);
  return ok ? undefined : 'The request signature we calculated does not match the signature you provided';
}

function parseAmzDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  return m ? new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!)) : undefined;
}
