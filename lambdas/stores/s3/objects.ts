import { partition } from '@aws-sdk/util-endpoints';
import { Sha256 } from '@smithy/core/checksum';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { HttpRequest, type HttpResponse } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, HttpHandlerOptions } from '@smithy/types';

/**
 * The object calls the service makes in its one bucket, signed by the SDK's own SigV4 signer
 * exactly as `@aws-sdk/client-s3` signs them (test/unit/s3-objects.test.ts holds the two side by
 * side): whole-object GET and PUT of transcript files, and for attachments HEAD, a ranged GET,
 * a copy and a DELETE.
 *
 * Why not client-s3 itself: its ~100 operations' schemas and its endpoint rules survive esbuild's
 * tree-shaking (computed keys, aws/aws-sdk-js-v3#7607) and were 150 KB of every function's bundle;
 * these few calls are all the service makes. DynamoDB and the rest stay on the SDK.
 */
export interface S3ObjectsOptions {
  region: string;
  bucket: string;
  credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /**
   * An S3-compatible endpoint (the local server's s3rver, LocalStack); AWS's regional endpoint when
   * absent. The bucket goes into the host name unless `forcePathStyle`, as the SDK does.
   */
  endpoint?: string;
  forcePathStyle?: boolean;
  /** Tries per call, the first included; the SDK's standard retry mode makes 3. */
  maxAttempts?: number;
  /** The transport; tests pass one that records. */
  requestHandler?: { handle(request: HttpRequest, options?: HttpHandlerOptions): Promise<{ response: HttpResponse }>; destroy?(): void };
}

/** What S3 answered when it refused: its error `Code` (`AccessDenied`, `SlowDown`, ...) and HTTP status. */
export class S3Error extends Error {
  override readonly name = 'S3Error';
  constructor(
    readonly code: string,
    readonly statusCode: number,
    message: string,
  ) {
    super(`S3 ${code} (${statusCode}): ${message}`);
  }
}

interface Answer {
  statusCode: number;
  headers: Record<string, string>;
  body: Buffer;
}

/** HTTP statuses that S3 clears up by itself: throttling (503 SlowDown, 429) and server faults. */
const RETRYABLE_STATUS = new Set([429, 500, 502, 503, 504]);

export class S3Objects {
  private readonly signer: SignatureV4;
  private readonly handler: NonNullable<S3ObjectsOptions['requestHandler']>;
  private readonly maxAttempts: number;

  constructor(private readonly options: S3ObjectsOptions) {
    this.signer = s3Signer(options);
    this.handler = options.requestHandler ?? new NodeHttpHandler();
    this.maxAttempts = options.maxAttempts ?? 3;
  }

  /** The object's body as UTF-8 text; undefined when there is no such key (a missing bucket is an error). */
  async get(key: string): Promise<string | undefined> {
    try {
      return (await this.send(objectRequest(this.options, 'GET', key))).body.toString('utf8');
    } catch (error) {
      if (error instanceof S3Error && error.code === 'NoSuchKey') return undefined;
      throw error;
    }
  }

  async put(key: string, body: string, contentType: string): Promise<void> {
    await this.send(objectRequest(this.options, 'PUT', key, { body, contentType }));
  }

  /** The object's size and type (HeadObject); undefined when there is no such key. */
  async head(key: string): Promise<{ contentLength: number; contentType?: string } | undefined> {
    try {
      const { headers } = await this.send(objectRequest(this.options, 'HEAD', key));
      return { contentLength: Number(headers['content-length']), contentType: headers['content-type'] };
    } catch (error) {
      // A HEAD answer has no body to name the error: a missing key is a bare 404.
      if (error instanceof S3Error && error.statusCode === 404) return undefined;
      throw error;
    }
  }

  /** Bytes `first` to `last` (inclusive) of the object, or as many of them as it has (GetObject with Range). */
  async getRange(key: string, first: number, last: number): Promise<Buffer> {
    return (await this.send(objectRequest(this.options, 'GET', key, undefined, { range: `bytes=${first}-${last}` }))).body;
  }

  /** CopyObject within the bucket, keeping the object's type. */
  async copy(fromKey: string, toKey: string): Promise<void> {
    const source = `/${this.options.bucket}/${fromKey.split('/').map(encodeKeySegment).join('/')}`;
    const { body } = await this.send(objectRequest(this.options, 'PUT', toKey, undefined, { 'x-amz-copy-source': source }));
    // CopyObject can fail after it has answered 200: the error is then in the body.
    if (body.includes('<Error>')) throw s3Error({ statusCode: 200, body: body.toString('utf8') });
  }

  /** DeleteObject: removing a key that is not there is not an error. */
  async delete(key: string): Promise<void> {
    await this.send(objectRequest(this.options, 'DELETE', key));
  }

  /** Closes the kept-alive sockets (the local server, on stop). */
  destroy(): void {
    this.handler.destroy?.();
  }

  /** Signs (afresh for every try: the signature carries the time) and sends, retrying what S3 says to retry. */
  private async send(request: HttpRequest): Promise<Answer> {
    for (let attempt = 1; ; attempt++) {
      const signed = (await this.signer.sign(request.clone())) as HttpRequest;
      let answer: Answer | undefined;
      try {
        const { response } = await this.handler.handle(signed);
        answer = { statusCode: response.statusCode, headers: lowerCaseKeys(response.headers), body: await readBody(response) };
      } catch (error) {
        if (attempt >= this.maxAttempts) throw error; // the connection failed (reset, refused, DNS)
      }
      if (answer) {
        if (answer.statusCode < 300) return answer;
        if (!RETRYABLE_STATUS.has(answer.statusCode) || attempt >= this.maxAttempts)
          throw s3Error({ statusCode: answer.statusCode, body: answer.body.toString('utf8') });
      }
      // Full jitter on an exponential base, as the SDK's standard retry strategy.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(20_000, 100 * 2 ** attempt)));
    }
  }
}

/** The signer client-s3 builds: service `s3`, the path signed as sent (S3 does not double-encode), payload hash header. */
export function s3Signer({ region, credentials }: Pick<S3ObjectsOptions, 'region' | 'credentials'>): SignatureV4 {
  return new SignatureV4({ service: 's3', region, credentials, sha256: Sha256, uriEscapePath: false, applyChecksum: true });
}

/** The unsigned request for one object, addressed as client-s3 addresses it. */
export function objectRequest(
  { region, bucket, endpoint, forcePathStyle }: Pick<S3ObjectsOptions, 'region' | 'bucket' | 'endpoint' | 'forcePathStyle'>,
  method: 'GET' | 'PUT' | 'HEAD' | 'DELETE',
  key: string,
  content?: { body: string; contentType: string },
  extraHeaders: Record<string, string> = {},
): HttpRequest {
  // The regional endpoint in the region's partition (China's and the isolated regions' domains differ).
  const base = new URL(endpoint ?? `https://s3.${region}.${partition(region).dnsSuffix}`);
  // Virtual-hosted style when the bucket name can be a host label (a dotted name would break TLS); else path style.
  const virtualHosted = !forcePathStyle && /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(bucket);
  const basePath = base.pathname.replace(/\/+$/, '');
  const keyPath = key.split('/').map(encodeKeySegment).join('/');
  const headers: Record<string, string> = { ...extraHeaders };
  if (content) {
    headers['content-type'] = content.contentType;
    headers['content-length'] = String(Buffer.byteLength(content.body));
  }
  return new HttpRequest({
    method,
    protocol: base.protocol,
    hostname: virtualHosted ? `${bucket}.${base.hostname}` : base.hostname,
    port: base.port ? Number(base.port) : undefined,
    path: virtualHosted ? `${basePath}/${keyPath}` : `${basePath}/${bucket}/${keyPath}`,
    headers: { ...headers, host: virtualHosted ? `${bucket}.${base.host}` : base.host },
    body: content?.body,
  });
}

/** encodeURIComponent plus the characters RFC 3986 reserves that it leaves alone, as the SDK encodes `{Key+}`. */
export const encodeKeySegment = (segment: string) =>
  encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

async function readBody(response: HttpResponse): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of (response.body ?? []) as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

const lowerCaseKeys = (headers: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));

/** S3's error bodies are `<Error><Code>..</Code><Message>..</Message>...</Error>`; HEAD-like answers have none. */
function s3Error({ statusCode, body }: { statusCode: number; body: string }): S3Error {
  const field = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(body)?.[1];
  return new S3Error(field('Code') ?? `Http${statusCode}`, statusCode, field('Message') ?? 'no error body');
}
