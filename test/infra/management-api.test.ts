import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiGatewayManagementApiClient } from '@aws-sdk/client-apigatewaymanagementapi';
import { ApiGatewayTransport, managementEndpoint } from '../../lambdas/stores/api-gateway-connections';

/**
 * The push adapter on AWS, through the real `@aws-sdk/client-apigatewaymanagementapi` against a
 * stand-in for a stage's `@connections` API: the requests it makes, and a 410 read as "gone".
 */
test('posts and closes through @connections, and reads 410 GoneException as gone', async () => {
  const requests: { method: string; path: string; body: string }[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      requests.push({ method: request.method!, path: decodeURIComponent(request.url!), body });
      if (request.url!.endsWith('gone%3D')) {
        response.writeHead(410, { 'content-type': 'application/json', 'x-amzn-errortype': 'GoneException' });
        response.end(JSON.stringify({ message: 'Gone' }));
        return;
      }
      response.writeHead(request.method === 'DELETE' ? 204 : 200);
      response.end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const client = new ApiGatewayManagementApiClient({
    region: 'us-east-1',
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  try {
    const transport = new ApiGatewayTransport(client);
    expect(await transport.post('alive=', '{"topic":"aws/chat"}')).toBe('sent');
    expect(await transport.post('gone=', '{"topic":"aws/chat"}')).toBe('gone');
    await transport.close('alive=');
    await transport.close('gone='); // closing a connection that is already gone is not an error
    expect(requests).toEqual([
      { method: 'POST', path: '/v1/@connections/alive=', body: '{"topic":"aws/chat"}' },
      { method: 'POST', path: '/v1/@connections/gone=', body: '{"topic":"aws/chat"}' },
      { method: 'DELETE', path: '/v1/@connections/alive=', body: '' },
      { method: 'DELETE', path: '/v1/@connections/gone=', body: '' },
    ]);
  } finally {
    client.destroy();
    server.close();
  }
});

test("the management endpoint is the stage's wss:// URL over HTTPS", () => {
  expect(managementEndpoint('wss://abc123.execute-api.eu-west-1.amazonaws.com/v1')).toBe('https://abc123.execute-api.eu-west-1.amazonaws.com/v1');
  expect(managementEndpoint('wss://abc123.execute-api.eu-west-1.amazonaws.com/v1/')).toBe('https://abc123.execute-api.eu-west-1.amazonaws.com/v1');
});
