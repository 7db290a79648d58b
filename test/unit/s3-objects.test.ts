import { Readable } from 'node:stream';
import { CopyObjectCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { type HttpRequest, HttpResponse } from '@smithy/protocol-http';
import { S3AttachmentFiles } from '../../lambdas/stores/s3/attachment-files';
import { encodeKeySegment, objectRequest, S3Error, S3Objects, type S3ObjectsOptions, s3Signer } from '../../lambdas/stores/s3/objects';

/**
 * Our S3 object client against the SDK's own: for the same object, `@aws-sdk/client-s3` and
 * `S3Objects` must address the same URL and sign the same way, so that what S3 accepts from the
 * SDK it accepts from us. s3rver, which the integration tests use, does not check V4 signatures.
 */
const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', sessionToken: 'session/token+=' };
const KEYS = [
  'connect/my-instance/ChatTranscripts/2026/11/24/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b_20261124T13:05_UTC.json',
  "odd/a b+c!'()*~é%/x.json",
];
const PLACES: (Omit<S3ObjectsOptions, 'credentials'> & { name: string })[] = [
  { name: 'AWS, virtual-hosted', region: 'eu-west-1', bucket: 'my-transcripts' },
  { name: 'us-east-1', region: 'us-east-1', bucket: 'my-transcripts' },
  { name: 'China partition', region: 'cn-north-1', bucket: 'my-transcripts' },
  { name: 'dotted bucket, path style', region: 'eu-west-1', bucket: 'transcripts.example.com' },
  {
    name: 'custom endpoint, path style',
    region: 'us-east-1',
    bucket: 'persistent-chat-transcripts',
    endpoint: 'http://127.0.0.1:4569',
    forcePathStyle: true,
  },
  { name: 'custom endpoint, virtual-hosted', region: 'us-east-1', bucket: 'transcripts', endpoint: 'https://s3.example.test' },
];
/** Headers only the SDK sends (its invocation bookkeeping); S3 ignores them, as it ignores the `x-id` query naming the operation. */
const SDK_ONLY = ['amz-sdk-invocation-id', 'amz-sdk-request', 'x-amz-user-agent', 'user-agent', 'authorization'];

type SdkCommand = PutObjectCommand | GetObjectCommand | HeadObjectCommand | CopyObjectCommand | DeleteObjectCommand;

const sdkClient = (place: Omit<S3ObjectsOptions, 'credentials'>, requestHandler?: S3ObjectsOptions['requestHandler']) =>
  new S3Client({
    region: place.region,
    endpoint: place.endpoint,
    forcePathStyle: place.forcePathStyle,
    credentials,
    maxAttempts: 1,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler,
  });

/** What client-s3 sends for one call: captured at its transport, after signing. */
async function sdkRequest(place: Omit<S3ObjectsOptions, 'credentials'>, command: SdkCommand): Promise<HttpRequest> {
  let sent: HttpRequest | undefined;
  const client = sdkClient(place, {
    handle: async (request: HttpRequest) => {
      sent = request;
      const body = command instanceof CopyObjectCommand ? '<CopyObjectResult><ETag>"e"</ETag></CopyObjectResult>' : '{}';
      return { response: new HttpResponse({ statusCode: 200, headers: {}, body: Readable.from([Buffer.from(body)]) }) };
    },
  });
  await client.send(command as PutObjectCommand);
  client.destroy();
  return sent!;
}

const signingDate = (request: HttpRequest) =>
  new Date(request.headers['x-amz-date']!.replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)Z$/, '$1-$2-$3T$4:$5:$6Z'));

/** The request before signing: without its signature, or also without what only the SDK adds. */
function unsigned(request: HttpRequest, { sdkOnly }: { sdkOnly: boolean }): HttpRequest {
  const copy = request.clone();
  const drop = sdkOnly ? SDK_ONLY : ['authorization'];
  for (const name of Object.keys(copy.headers)) if (drop.includes(name.toLowerCase())) delete copy.headers[name];
  if (sdkOnly) delete copy.query['x-id'];
  return copy;
}

describe.each(PLACES)('S3Objects addresses and signs as client-s3 does: $name', (place) => {
  test.each(KEYS)('PUT, GET, HEAD, ranged GET, copy and DELETE of %s', async (key) => {
    const body = JSON.stringify({ Version: '2019-08-26', Transcript: [{ Content: 'héllo' }] });
    const copySource = `/${place.bucket}/${key.split('/').map(encodeKeySegment).join('/')}`;
    for (const [command, ourRequest] of [
      [
        new PutObjectCommand({ Bucket: place.bucket, Key: key, Body: body, ContentType: 'application/json' }),
        objectRequest(place, 'PUT', key, { body, contentType: 'application/json' }),
      ],
      [new GetObjectCommand({ Bucket: place.bucket, Key: key }), objectRequest(place, 'GET', key)],
      [new HeadObjectCommand({ Bucket: place.bucket, Key: key }), objectRequest(place, 'HEAD', key)],
      [
        new GetObjectCommand({ Bucket: place.bucket, Key: key, Range: 'bytes=0-4095' }),
        objectRequest(place, 'GET', key, undefined, { range: 'bytes=0-4095' }),
      ],
      [
        new CopyObjectCommand({ Bucket: place.bucket, Key: `copy/${key}`, CopySource: copySource }),
        objectRequest(place, 'PUT', `copy/${key}`, undefined, { 'x-amz-copy-source': copySource }),
      ],
      [new DeleteObjectCommand({ Bucket: place.bucket, Key: key }), objectRequest(place, 'DELETE', key)],
    ] as const) {
      const sdk = await sdkRequest(place, command);
      const date = signingDate(sdk);
      const signer = s3Signer({ region: place.region, credentials });

      // The same signer: re-signing the SDK's own request reproduces the SDK's signature.
      const resigned = await signer.sign(unsigned(sdk, { sdkOnly: false }), { signingDate: date });
      expect(resigned.headers.authorization).toBe(sdk.headers.authorization);

      // The same request: URL and every header S3 reads, and so the same signature over them.
      const ours = (await signer.sign(ourRequest, { signingDate: date })) as HttpRequest;
      const theirs = (await signer.sign(unsigned(sdk, { sdkOnly: true }), { signingDate: date })) as HttpRequest;
      expect({ method: ours.method, protocol: ours.protocol, hostname: ours.hostname, port: ours.port, path: ours.path, query: ours.query }).toEqual({
        method: theirs.method,
        protocol: theirs.protocol,
        hostname: theirs.hostname,
        port: theirs.port,
        path: theirs.path,
        query: theirs.query,
      });
      expect(lowerCased(ours.headers)).toEqual(lowerCased(theirs.headers));
    }
  });
});

describe.each(PLACES)('attachment URLs are pre-signed as getSignedUrl of client-s3 signs them: $name', (place) => {
  const signingDate = new Date('2026-11-24T13:05:00Z');
  const files = new S3AttachmentFiles(new S3Objects({ ...place, credentials }), { ...place, credentials }, () => signingDate);
  /** client-s3 without the `x-id` query parameter naming the operation, which S3 ignores (as for the requests above). */
  const presigningClient = () => {
    const client = sdkClient(place);
    client.middlewareStack.add(
      (next) => async (args) => {
        delete (args.request as HttpRequest).query['x-id'];
        return next(args);
      },
      { step: 'build' },
    );
    return client;
  };
  /** A URL as S3 reads it: where, and every query parameter decoded. */
  const parts = (url: string) => {
    const parsed = new URL(url);
    return {
      origin: parsed.origin,
      path: parsed.pathname,
      query: Object.fromEntries([...parsed.searchParams].sort(([a], [b]) => a.localeCompare(b))),
    };
  };

  test.each(KEYS)('the upload URL of %s signs its content type and length', async (key) => {
    const ours = await files.uploadUrl(key, { contentType: 'image/png', sizeInBytes: 1234 }, 300);
    const client = presigningClient();
    const theirs = await getSignedUrl(
      client,
      new PutObjectCommand({ Bucket: place.bucket, Key: key, ContentType: 'image/png', ContentLength: 1234 }),
      {
        expiresIn: 300,
        signingDate,
        signableHeaders: new Set(['content-type', 'content-length']),
      },
    );
    client.destroy();
    expect(parts(ours.url)).toEqual(parts(theirs));
    expect(parts(ours.url).query['X-Amz-SignedHeaders']).toBe('content-length;content-type;host');
    expect(ours.headers).toEqual({ 'Content-Type': 'image/png' });
  });

  test.each(KEYS)('the download URL of %s names the file', async (key) => {
    const name = 'Screen shot é "1".png';
    const ours = await files.downloadUrl(key, { name, contentType: 'image/png' }, 60);
    const client = presigningClient();
    const disposition = `attachment; filename="Screen shot _ _1_.png"; filename*=UTF-8''${encodeKeySegment(name)}`;
    const theirs = await getSignedUrl(
      client,
      new GetObjectCommand({ Bucket: place.bucket, Key: key, ResponseContentDisposition: disposition, ResponseContentType: 'image/png' }),
      {
        expiresIn: 60,
        signingDate,
      },
    );
    client.destroy();
    expect(parts(ours)).toEqual(parts(theirs));
  });
});

const lowerCased = (headers: Record<string, string>) =>
  Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));

describe('S3Objects answers and retries', () => {
  const options = { region: 'eu-west-1', bucket: 'b-transcripts', credentials };
  /** A transport answering from a script, one status (and body) per try; an Error means the connection failed. */
  function scripted(answers: (number | [number, string] | Error)[]) {
    const tries: HttpRequest[] = [];
    return {
      tries,
      handle: async (request: HttpRequest) => {
        tries.push(request);
        const answer = answers.shift();
        if (answer === undefined) throw new Error('unexpected try');
        if (answer instanceof Error) throw answer;
        const [statusCode, body] = typeof answer === 'number' ? [answer, ''] : answer;
        return { response: new HttpResponse({ statusCode, headers: {}, body: Readable.from([Buffer.from(body)]) }) };
      },
    };
  }
  const errorBody = (code: string) =>
    `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>nope</Message><RequestId>r</RequestId></Error>`;

  test('a missing key reads as undefined; a body reads as text', async () => {
    const transport = scripted([
      [404, errorBody('NoSuchKey')],
      [200, '{"ok":"é"}'],
    ]);
    const objects = new S3Objects({ ...options, requestHandler: transport });
    await expect(objects.get('a/b.json')).resolves.toBeUndefined();
    await expect(objects.get('a/b.json')).resolves.toBe('{"ok":"é"}');
    expect(transport.tries).toHaveLength(2);
  });

  test('throttling, server faults and dropped connections are retried, each try signed afresh', async () => {
    const transport = scripted([[503, errorBody('SlowDown')], new Error('socket hang up'), 200]);
    await new S3Objects({ ...options, requestHandler: transport }).put('a/b.json', '{}', 'application/json');
    expect(transport.tries).toHaveLength(3);
    for (const request of transport.tries) expect(request.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\//);
  });

  test('a refusal is not retried and says what S3 said', async () => {
    const transport = scripted([[403, errorBody('AccessDenied')]]);
    const failure = new S3Objects({ ...options, requestHandler: transport }).get('a/b.json');
    await expect(failure).rejects.toBeInstanceOf(S3Error);
    await expect(failure).rejects.toMatchObject({ code: 'AccessDenied', statusCode: 403 });
    expect(transport.tries).toHaveLength(1);
  });

  test('a missing bucket is an error, for a read as for a write', async () => {
    const transport = scripted([
      [404, errorBody('NoSuchBucket')],
      [404, errorBody('NoSuchBucket')],
    ]);
    const objects = new S3Objects({ ...options, requestHandler: transport });
    await expect(objects.get('a/b.json')).rejects.toMatchObject({ code: 'NoSuchBucket' });
    await expect(objects.put('a/b.json', '{}', 'application/json')).rejects.toMatchObject({ code: 'NoSuchBucket' });
  });

  test('HEAD: a missing key is a bare 404 and reads as undefined', async () => {
    const transport = scripted([404]);
    await expect(new S3Objects({ ...options, requestHandler: transport }).head('a/b.png')).resolves.toBeUndefined();
  });

  test('a copy that S3 failed after answering 200 is an error', async () => {
    const transport = scripted([[200, errorBody('InternalError')]]);
    await expect(new S3Objects({ ...options, requestHandler: transport }).copy('a/b.png', 'c/d.png')).rejects.toMatchObject({
      code: 'InternalError',
    });
  });

  test('after the last try the last failure is thrown', async () => {
    const transport = scripted([500, 500, [500, errorBody('InternalError')]]);
    await expect(new S3Objects({ ...options, requestHandler: transport }).get('a/b.json')).rejects.toMatchObject({
      code: 'InternalError',
      statusCode: 500,
    });
    expect(transport.tries).toHaveLength(3);
  });
});
