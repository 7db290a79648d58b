import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { configFromEnvironment } from '../../lambdas/config';
import type { Deps } from '../../lambdas/deps';
import { route as createParticipantConnection } from '../../lambdas/handlers/create-participant-connection';
import { ROUTES } from '../../lambdas/routes';
import { PersistentChatStack } from '../../lib/persistent-chat-stack';
import { settingsFromContext } from '../../lib/settings';

/**
 * `-c websocket=false`: the stack for emulators without API Gateway v2 (LocalStack's free plan).
 * No WebSocket API, nothing granted or set for one, and CreateParticipantConnection answers without
 * a WebSocket URL under the environment the stack gives its functions.
 */
const app = new App({ builtinCloudFormationValidation: false, context: { 'aws:cdk:bundling-stacks': [], websocket: 'false' } });
const stack = new PersistentChatStack(app, 'NoSocket', { settings: settingsFromContext(app.node) });
const template = Template.fromStack(stack);
const json = template.toJSON() as {
  Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  Outputs: Record<string, unknown>;
};
const resources = Object.values(json.Resources);
const routeFunctions = resources.filter(
  (resource) =>
    resource.Type === 'AWS::Lambda::Function' &&
    (resource.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables?.TABLE_NAME,
);
const policyActions = resources
  .filter(({ Type }) => Type === 'AWS::IAM::Policy')
  .flatMap(({ Properties }) =>
    (Properties.PolicyDocument as { Statement: { Action: string | string[] }[] }).Statement.flatMap(({ Action }) => [Action].flat()),
  );

test('no WebSocket API, stage or routes, and no WebsocketUrl output', () => {
  expect(resources.filter(({ Type }) => Type.startsWith('AWS::ApiGatewayV2::'))).toEqual([]);
  expect(Object.keys(json.Outputs)).not.toContain('WebsocketUrl');
  expect(Object.keys(json.Outputs)).toContain('ApiUrl');
});

test('one function per REST route and the sweep, none with a WEBSOCKET_URL', () => {
  expect(routeFunctions).toHaveLength(ROUTES.length + 1);
  for (const fn of routeFunctions)
    expect((fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables.WEBSOCKET_URL).toBeUndefined();
});

test('nothing may post to connections or delete connection records; the sweep still deletes transcript items', () => {
  expect(policyActions.filter((action) => action.startsWith('execute-api:'))).toEqual([]);
  expect(policyActions).not.toContain('dynamodb:DeleteItem');
  expect(policyActions).toContain('dynamodb:BatchWriteItem');
});

test('cdk-nag (AwsSolutions) finds nothing unacknowledged', () => {
  expect(new AwsSolutionsChecks().validateScope(app).violations).toEqual([]);
});

describe('CreateParticipantConnection', () => {
  // A function's environment as the stack sets it, tokens (Refs, ARNs) standing in as strings.
  const environment = Object.fromEntries(
    Object.entries((routeFunctions[0]!.Properties.Environment as { Variables: Record<string, unknown> }).Variables).map(([name, value]) => [
      name,
      typeof value === 'string' ? value : JSON.stringify(value),
    ]),
  );

  /** The route with everything but the configuration stubbed: the participant token buys a connection. */
  async function connect(websocketUrl: string) {
    const deps = {
      config: { ...configFromEnvironment(environment), websocketUrl },
      participants: { connect: async () => ({ ConnectionToken: 'connection-token', Expiry: '2026-12-02T00:00:00.000Z', reader: {} }) },
      websockets: { url: () => ({ Url: `${websocketUrl}?token=t`, ConnectionExpiry: '2026-12-01T00:01:40.000Z' }) },
    } as unknown as Deps;
    const event = {
      httpMethod: 'POST',
      path: '/participant/connection',
      resource: '/participant/connection',
      headers: { 'Content-Type': 'application/json', 'X-Amz-Bearer': 'participant-token' },
      body: JSON.stringify({ Type: ['WEBSOCKET', 'CONNECTION_CREDENTIALS'], ConnectParticipant: true }),
      isBase64Encoded: false,
      requestContext: { requestId: 'r1' },
    } as unknown as APIGatewayProxyEvent;
    const response = await createParticipantConnection(async () => deps)(event, { awsRequestId: 'r1' } as Context);
    return { status: response.statusCode, body: JSON.parse(response.body) as Record<string, unknown> };
  }

  test("the stack's environment without WEBSOCKET_URL is a valid configuration, with no WebSocket", () => {
    expect(configFromEnvironment(environment).websocketUrl).toBe('');
  });

  test('asked for WEBSOCKET and CONNECTION_CREDENTIALS, it answers the credentials only: the client polls', async () => {
    expect(await connect('')).toEqual({
      status: 200,
      body: { ConnectionCredentials: { ConnectionToken: 'connection-token', Expiry: '2026-12-02T00:00:00.000Z' } },
    });
  });

  test('with a WebSocket API it answers both, as before', async () => {
    const { status, body } = await connect('wss://abc.execute-api.eu-west-1.amazonaws.com/v1');
    expect(status).toBe(200);
    expect(Object.keys(body).sort()).toEqual(['ConnectionCredentials', 'Websocket']);
  });
});
