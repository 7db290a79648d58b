import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { initialKeyMaterial } from '../../lambdas/domain/key-material';

/**
 * On Lambda the key ring comes from Secrets Manager: checked here through the real SDK against a
 * stand-in endpoint (the SDK reads AWS_ENDPOINT_URL_SECRETS_MANAGER itself, as it would on LocalStack).
 */
test('deps read the key ring from Secrets Manager once per container', async () => {
  const ring = initialKeyMaterial();
  const requests: { target: string | undefined; body: Record<string, string> }[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      requests.push({ target: request.headers['x-amz-target'] as string | undefined, body: JSON.parse(body) as Record<string, string> });
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      response.end(JSON.stringify({ ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:key', SecretString: JSON.stringify(ring) }));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    TABLE_NAME: 'table',
    TRANSCRIPT_BUCKET: 'bucket',
    WEBSOCKET_URL: 'wss://example.execute-api.us-east-1.amazonaws.com/prod',
    SIGNING_KEY_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:key',
  });
  try {
    const { depsFromEnvironment } = await import('../../lambdas/deps');
    const [first, second] = [await depsFromEnvironment(), await depsFromEnvironment()];
    expect(second).toBe(first);
    expect(first.keys.currentId).toBe('k1');
    expect(requests).toEqual([
      { target: 'secretsmanager.GetSecretValue', body: { SecretId: process.env.SIGNING_KEY_SECRET_ARN, VersionStage: 'AWSCURRENT' } },
    ]);
  } finally {
    server.close();
  }
});
