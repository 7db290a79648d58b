import { ConfigError, configFromEnvironment } from '../../lambdas/config';

/** The functions' settings from their environment, as the stack sets it (and LocalStack adds to it). */
const stack = {
  TABLE_NAME: 'table',
  TRANSCRIPT_BUCKET: 'bucket',
  SIGNING_KEY_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:k',
  WEBSOCKET_URL: 'wss://w/v1',
  AWS_REGION: 'eu-west-1',
};

test.each([
  [{}, undefined],
  [{ AWS_ENDPOINT_URL: 'http://localstack:4566' }, 'http://localstack:4566'],
  [{ AWS_ENDPOINT_URL: 'http://localstack:4566', AWS_ENDPOINT_URL_S3: 'http://s3.local:9000' }, 'http://s3.local:9000'],
  [{ AWS_ENDPOINT_URL: 'http://localstack:4566', AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' }, undefined],
])('the transcript bucket endpoint follows the SDK variables: %j', (variables, endpoint) => {
  expect(configFromEnvironment({ ...stack, ...variables }).s3Endpoint).toBe(endpoint);
});

test('path style only when told', () => {
  expect(configFromEnvironment(stack).forcePathStyle).toBe(false);
  expect(configFromEnvironment({ ...stack, S3_FORCE_PATH_STYLE: 'true' }).forcePathStyle).toBe(true);
});

test('a missing setting names every missing variable at once', () => {
  expect(() => configFromEnvironment({ AWS_REGION: 'eu-west-1' })).toThrow(ConfigError);
  expect(() => configFromEnvironment({ AWS_REGION: 'eu-west-1' })).toThrow(
    'missing environment variables: TABLE_NAME, TRANSCRIPT_BUCKET, SIGNING_KEY_FILE',
  );
});

test('no WEBSOCKET_URL: a stack without a WebSocket API (-c websocket=false)', () => {
  const { WEBSOCKET_URL, ...withoutWebsocket } = stack;
  expect(WEBSOCKET_URL).toBeDefined();
  expect(configFromEnvironment(withoutWebsocket).websocketUrl).toBe('');
});

test('routing: flows to queues, the widget flow to WIDGET_QUEUE_ID; the chat limit and queue ids inside domain/limits.ts', () => {
  const { routing } = configFromEnvironment({
    ...stack,
    CONTACT_FLOW_QUEUES: 'sales-flow=sales, help=billing',
    WIDGET_QUEUE_ID: 'web',
    AGENT_CHAT_LIMIT: '10',
  });
  expect(routing).toMatchObject({ flowQueues: { 'sales-flow': 'sales', help: 'billing', 'local-widget-flow': 'web' }, agentChatLimit: 10 });
  expect(() => configFromEnvironment({ ...stack, AGENT_CHAT_LIMIT: '11' })).toThrow('AGENT_CHAT_LIMIT must be an integer from 1 to 10');
  expect(() => configFromEnvironment({ ...stack, AGENT_CHAT_LIMIT: '0' })).toThrow(ConfigError);
  expect(() => configFromEnvironment({ ...stack, RESUME_TO_AGENT_SECONDS: '3601' })).toThrow(ConfigError);
  expect(() => configFromEnvironment({ ...stack, CONTACT_FLOW_QUEUES: `flow=${'q'.repeat(257)}` })).toThrow(/a queue id is 1 to 256 characters/);
  expect(() => configFromEnvironment({ ...stack, CONTACT_FLOW_QUEUES: 'flow' })).toThrow('CONTACT_FLOW_QUEUES: "flow" is not flow=queue');
});
