import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { build } from 'esbuild';
import { HANDLER_BUNDLING, handlerBuildOptions } from '../../lib/handler-bundling';
import { ROUTES, SWEEP, WEBSOCKET_ROUTES } from '../../lambdas/routes';
import { DynamoContactStore } from '../../lambdas/stores/dynamodb/contact-store';
import { INSTANCE, say, startChat } from '../support/chat';
import { startTestServer, type TestServer } from '../support/local-server';

/**
 * The functions as the stack deploys them: each handler bundled with the stack's own settings
 * (lib/handler-bundling.ts: the SDK's ES builds, the environment-only credential provider) and run
 * in a fresh Node process that has only Lambda's environment: credentials in AWS_ACCESS_KEY_ID and
 * friends, no home directory, endpoints in the SDK's AWS_ENDPOINT_URL_* variables (as LocalStack sets
 * them). Ending a chat writes its transcript file to S3 and reading it back comes from S3, so both
 * the bundled DynamoDB client and the bundled S3 object client talk to the local servers.
 */
const root = join(__dirname, '../..');
const run = promisify(execFile);
let t: TestServer;
let bundles: string;

beforeAll(async () => {
  // Its own sweep only at start: the bundled sweep below is the one that runs. Its clock is five minutes
  // behind the bundles' (the real one), so that what it does is minutes old to them.
  t = await startTestServer({ sweepIntervalMs: 3_600_000, now: () => Date.now() - 5 * 60_000 });
  bundles = mkdtempSync(join(tmpdir(), 'persistent-chat-bundles-'));
  for (const handler of ['stop-contact', 'get-transcript', SWEEP.handler])
    await build(handlerBuildOptions(root, handler, join(bundles, `${handler}.js`)));
});
afterAll(async () => {
  await t.stop();
  rmSync(bundles, { recursive: true, force: true });
});

/** Invokes one bundled handler in a fresh process, as Lambda would, and returns its result. */
async function invoke<R = APIGatewayProxyResult>(handler: string, event: Partial<APIGatewayProxyEvent>): Promise<R> {
  const { server } = t;
  const home = mkdtempSync(join(tmpdir(), 'persistent-chat-home-'));
  try {
    const script = `require(${JSON.stringify(join(bundles, `${handler}.js`))}).handler(JSON.parse(process.env.EVENT), { awsRequestId: 'r-1', functionName: '${handler}', getRemainingTimeInMillis: () => 30000 })
      .then((result) => process.stdout.write('\\nRESULT ' + JSON.stringify(result)));`;
    const { stdout } = await run(process.execPath, ['-e', script], {
      env: {
        HOME: home,
        NODE_OPTIONS: HANDLER_BUNDLING.nodeOptions,
        AWS_REGION: server.config.region,
        AWS_ACCESS_KEY_ID: server.s3Credentials.accessKeyId, // DynamoDB Local takes any key; s3rver only its own
        AWS_SECRET_ACCESS_KEY: server.s3Credentials.secretAccessKey,
        AWS_SESSION_TOKEN: 'lambda-session-token',
        AWS_ENDPOINT_URL_DYNAMODB: server.dynamodbEndpoint,
        AWS_ENDPOINT_URL_S3: server.s3Endpoint,
        S3_FORCE_PATH_STYLE: 'true',
        TABLE_NAME: server.config.tableName,
        TRANSCRIPT_BUCKET: server.config.transcriptBucket,
        SIGNING_KEY_FILE: join(t.dataDir, 'signing-keys.json'),
        WEBSOCKET_URL: 'wss://sockets.invalid/v1', // no socket is open: nothing is pushed
        LOG_LEVEL: 'error',
        EVENT: JSON.stringify({ headers: {}, pathParameters: null, queryStringParameters: null, requestContext: { requestId: 'r-1' }, ...event }),
      },
    });
    const result = /\nRESULT (.*)$/.exec(stdout)?.[1];
    if (!result) throw new Error(`no result from ${handler}: ${stdout}`);
    return JSON.parse(result) as R;
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

test('bundled functions end a chat into its S3 transcript file and read it back from there', async () => {
  const customer = await startChat(t);
  await say(t, customer, 'said before the chat ended');

  const stopped = await invoke('stop-contact', {
    httpMethod: 'POST',
    resource: '/contact/stop',
    path: '/contact/stop',
    body: JSON.stringify({ InstanceId: INSTANCE, ContactId: customer.contactId }),
  });
  expect(stopped.statusCode).toBe(200);

  // Archived by the bundle: the file is written and the table's items are gone, so the read below is S3's.
  const contact = await new DynamoContactStore(t.server.clients.db, t.server.config.tableName).getContact(customer.contactId);
  expect(contact?.transcriptKey).toMatch(
    new RegExp(`^connect/${INSTANCE}/ChatTranscripts/\\d{4}/\\d\\d/\\d\\d/${customer.contactId}_\\d{8}T\\d\\d:\\d\\d_UTC\\.json$`),
  );
  expect(await t.server.clients.s3.get(contact!.transcriptKey!)).toContain('said before the chat ended');

  const read = await invoke('get-transcript', {
    httpMethod: 'POST',
    resource: '/participant/transcript',
    path: '/participant/transcript',
    headers: { 'X-Amz-Bearer': customer.connectionToken, 'Content-Type': 'application/json' },
    body: JSON.stringify({ ScanDirection: 'BACKWARD', SortOrder: 'ASCENDING', MaxResults: 100 }),
  });
  expect(read.statusCode).toBe(200);
  const transcript = (JSON.parse(read.body) as { Transcript: { Type: string; Content?: string }[] }).Transcript;
  expect(transcript.filter((item) => item.Type === 'MESSAGE').map((item) => item.Content)).toEqual(['said before the chat ended']);
});

test('the bundled sweep finishes an archive a crash left undone, as its scheduled function would', async () => {
  const customer = await startChat(t);
  await say(t, customer, 'said before the crash');
  // Ended two minutes ago in the store only, as a process that died right after the end's transaction leaves it.
  const store = new DynamoContactStore(t.server.clients.db, t.server.config.tableName);
  const session = (await store.getSession(customer.contactId))!;
  const at = Math.max(Date.now() - 2 * 60_000, session.lastItemAt! + 1);
  const clock = { initialContactId: customer.contactId, first: at, last: at, contactItems: session.contactItems ?? 0 };
  await store.endSession({ contactId: customer.contactId, clock, now: at, customer: session.customer, participants: [], items: [] });

  const report = await invoke<{ archives: number; failed: number }>(SWEEP.handler, {});
  expect(report).toMatchObject({ failed: 0 });
  expect(report.archives).toBeGreaterThanOrEqual(1);
  const contact = await store.getContact(customer.contactId);
  expect(await t.server.clients.s3.get(contact!.transcriptKey!)).toContain('said before the crash');
});

test('the bundles carry only the environment credential provider, and not the SDK S3 client (erasure alone has it)', async () => {
  const bundle = readFileSync(join(bundles, 'stop-contact.js'), 'utf8');
  expect(bundle).toContain('AWS_SECRET_ACCESS_KEY'); // fromEnv
  // What the default chain's container, web-identity and SSO providers read; the S3 client's endpoint rules.
  for (const absent of ['AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'sso_start_url', 'S3Express'])
    expect(bundle).not.toContain(absent);
});

/**
 * The one operator function that erases lines carries the SDK's S3 client (object versions), and is called
 * rarely, by an operator, not on a customer's path: its budget is larger.
 */
const BUDGET_KB: Record<string, number> = { 'erase-line': 600 };

test('every function stays within its bundle budget, 400 KB but for erasure (npm run bench measures the rest)', async () => {
  const sizes: Record<string, number> = {};
  for (const handler of new Set([...ROUTES, ...WEBSOCKET_ROUTES, SWEEP].map((spec) => spec.handler))) {
    const outfile = join(bundles, 'budget', `${handler}.js`);
    await build(handlerBuildOptions(root, handler, outfile));
    sizes[handler] = statSync(outfile).size;
  }
  for (const [handler, bytes] of Object.entries(sizes)) expect([handler, bytes <= (BUDGET_KB[handler] ?? 400) * 1024]).toEqual([handler, true]);
  // It builds every function one after another: a minute on a busy two-core machine. A hang guard, not a speed check.
}, 180_000);
