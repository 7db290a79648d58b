import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { Method } from 'aws-cdk-lib/aws-apigateway';
import { Runtime } from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { SIGNED_APIS } from '../../lambdas/http/errors';
import { type RouteAccess, ROUTES, SWEEP, WEBSOCKET_ROUTES } from '../../lambdas/routes';
import { QUEUE_INDEX, SWEEP_INDEX, TABLE_KEYS, TTL_ATTRIBUTE } from '../../lambdas/stores/dynamodb/table';
import type { ChatApi } from '../../lib/chat-api';
import { nodeRuntime } from '../../lib/chat-function';
import { FUNCTIONS_NODE_MAJOR, HANDLER_BUNDLING } from '../../lib/handler-bundling';
import { PersistentChatStack } from '../../lib/persistent-chat-stack';
import { tableActions } from '../../lib/route-function';
import { RATE_RULES } from '../../lib/public-rate-limits';
import { DEFAULTS, settingsFromContext } from '../../lib/settings';

type Json = Record<string, unknown>;
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

function synth(context: Json = {}) {
  // Skips esbuild and the CloudFormation schema check (3 s of WASM start-up): `cdk synth` in CI does both.
  // The site (on by default) is site.test.ts's: here the API and the data, with the transcript bucket the only bucket.
  const app = new App({ builtinCloudFormationValidation: false, context: { 'aws:cdk:bundling-stacks': [], site: 'false', ...context } });
  const stack = new PersistentChatStack(app, 'Test', { settings: settingsFromContext(app.node) });
  return { app, stack, template: Template.fromStack(stack) };
}

const { app, stack, template } = synth();
const resources = template.toJSON().Resources as Record<string, { Type: string; Properties: Json }>;
const ofType = (type: string) => Object.entries(resources).filter(([, resource]) => resource.Type === type);
const logicalId = (element: CfnElement) => stack.resolve(element.logicalId) as string;
const only = (type: string) => {
  const found = ofType(type);
  expect(found).toHaveLength(1);
  return found[0]![0];
};
const tableId = only('AWS::DynamoDB::Table');
const bucketId = only('AWS::S3::Bucket');
const secretId = only('AWS::SecretsManager::Secret');

const chatApi = stack.node.findChild('Api') as ChatApi;
/** The routes anyone may call: neither signed (SigV4) nor an agent's (Cognito). */
const PUBLIC_ROUTES = ROUTES.filter(({ api }) => !SIGNED_APIS.includes(api) && api !== 'agent');
const methodOf = (route: (typeof ROUTES)[number]): Method => {
  const method = chatApi.api.methods.find((candidate) => candidate.resource.path === route.path && candidate.httpMethod === route.method);
  if (!method) throw new Error(`no method for ${route.method} ${route.path}`);
  return method;
};
const methodProps = (route: (typeof ROUTES)[number]) => resources[logicalId(methodOf(route).node.defaultChild as CfnElement)]!.Properties;
/** The function a route's method integrates with, found through the template's integration URI. */
const functionIdOf = (route: (typeof ROUTES)[number]) => {
  const uri = JSON.stringify(methodProps(route).Integration);
  const id = /"Fn::GetAtt":\["([A-Za-z0-9]+)","Arn"\]/.exec(uri)?.[1];
  expect(resources[id!]?.Type).toBe('AWS::Lambda::Function');
  return id!;
};
const websocketApiId = only('AWS::ApiGatewayV2::Api');
const websocketRouteProps = (routeKey: string) => {
  const found = ofType('AWS::ApiGatewayV2::Route').find(([, route]) => route.Properties.RouteKey === routeKey);
  if (!found) throw new Error(`no WebSocket route ${routeKey}`);
  return found;
};
/** The function a WebSocket route integrates with, through its integration's URI. */
const websocketFunctionIdOf = (routeKey: string) => {
  const target = JSON.stringify(websocketRouteProps(routeKey)[1].Properties.Target);
  const integrationId = /"Ref":"([A-Za-z0-9]+)"/.exec(target)?.[1];
  const id = /"Fn::GetAtt":\["([A-Za-z0-9]+)","Arn"\]/.exec(JSON.stringify(resources[integrationId!]!.Properties.IntegrationUri))?.[1];
  expect(resources[id!]?.Type).toBe('AWS::Lambda::Function');
  return id!;
};
/** Every function of a route, REST and WebSocket, with its access. */
const allRoutes: { name: string; functionId: () => string; access: RouteAccess }[] = [
  ...ROUTES.map((route) => ({ name: `${route.method} ${route.path}`, functionId: () => functionIdOf(route), access: route.access })),
  ...WEBSOCKET_ROUTES.map((route) => ({
    name: `WebSocket ${route.routeKey}`,
    functionId: () => websocketFunctionIdOf(route.routeKey),
    access: route.access,
  })),
];
/** Statements of the policies attached to a function's role. */
const statementsOf = (functionId: string): Statement[] => {
  const [roleId] = (resources[functionId]!.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'];
  return ofType('AWS::IAM::Policy')
    .filter(([, policy]) => (policy.Properties.Roles as Json[]).some((role) => role.Ref === roleId))
    .flatMap(([, policy]) => (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
};
const actions = (statement: Statement) => [statement.Action].flat();
const isErasureGrant = (statement: Statement) => actions(statement).some((action) => /^s3:(DeleteObjectVersion|ListBucketVersions)$/.test(action));
const root = join(__dirname, '..', '..');
/** Every TypeScript file under a folder of the project. */
const sourceFiles = (folder: string): string[] =>
  readdirSync(join(root, folder), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => join(root, folder, file));
const objectsArn = (path: string) => ({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, path]] });
const resourcesOf = (statement: Statement) => [statement.Resource].flat();

describe('API', () => {
  test.each(ROUTES.filter(({ api }) => SIGNED_APIS.includes(api)))('$method $path ($api, signed) requires IAM authorization', (route) => {
    expect(methodProps(route).AuthorizationType).toBe('AWS_IAM');
  });

  test.each(PUBLIC_ROUTES)('$method $path ($api) takes no gateway authorization', (route) => {
    expect(methodProps(route).AuthorizationType).toBe('NONE');
  });

  test.each(ROUTES.filter(({ api }) => api === 'agent'))(
    "$method $path (agent API) takes the agents' access tokens: the Cognito authorizer",
    (route) => {
      const [authorizerId] = Object.keys(template.findResources('AWS::ApiGateway::Authorizer'));
      expect(methodProps(route)).toMatchObject({
        AuthorizationType: 'COGNITO_USER_POOLS',
        AuthorizerId: { Ref: authorizerId },
        AuthorizationScopes: ['openid'],
      });
    },
  );

  test("the authorizer is the agents' user pool's", () => {
    const [poolId] = Object.keys(template.findResources('AWS::Cognito::UserPool'));
    template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
      Type: 'COGNITO_USER_POOLS',
      ProviderARNs: [{ 'Fn::GetAtt': [poolId, 'Arn'] }],
      IdentitySource: 'method.request.header.Authorization',
    });
  });

  test('has no resource policy, so the gateway never evaluates the SigV4 header on participant routes', () => {
    template.hasResourceProperties('AWS::ApiGateway::RestApi', { Policy: Match.absent() });
  });

  test('the stage is throttled and writes access logs', () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: Match.arrayWith([
        Match.objectLike({ HttpMethod: '*', ResourcePath: '/*', ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 }),
      ]),
      AccessLogSetting: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('requestId') },
    });
  });

  test.each(ROUTES.filter(({ throttle }) => throttle))('$method $path has its own throttle', ({ path, method, throttle }) => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      MethodSettings: Match.arrayWith([
        Match.objectLike({
          ResourcePath: `/${path.replace(/\//g, '~1')}`,
          HttpMethod: method,
          ThrottlingRateLimit: throttle!.rateLimit,
          ThrottlingBurstLimit: throttle!.burstLimit,
        }),
      ]),
    });
  });

  test('CORS preflight allows the headers the SDK and chatjs send', () => {
    const preflight = JSON.stringify(ofType('AWS::ApiGateway::Method').find(([, method]) => method.Properties.HttpMethod === 'OPTIONS'));
    for (const header of ['x-amz-bearer', 'authorization', 'x-amz-security-token', 'amz-sdk-invocation-id']) expect(preflight).toContain(header);
  });

  test("the gateway's own auth failures come in the Connect error shape", () => {
    template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'ACCESS_DENIED',
      ResponseParameters: Match.objectLike({ 'gatewayresponse.header.x-amzn-ErrorType': "'AccessDeniedException'" }),
      ResponseTemplates: { 'application/json': Match.stringLikeRegexp('"__type":"AccessDeniedException"') },
    });
  });

  test('an unknown path answers 404 UnknownOperationException in JSON, as the local server does, not 403 Missing Authentication Token', () => {
    template.hasResourceProperties('AWS::ApiGateway::GatewayResponse', {
      ResponseType: 'MISSING_AUTHENTICATION_TOKEN',
      StatusCode: '404',
      ResponseParameters: Match.objectLike({ 'gatewayresponse.header.x-amzn-ErrorType': "'UnknownOperationException'" }),
    });
    const [response] = Object.values(
      template.findResources('AWS::ApiGateway::GatewayResponse', { Properties: { ResponseType: 'MISSING_AUTHENTICATION_TOKEN' } }),
    );
    const body = (response!.Properties as { ResponseTemplates: Record<string, string> }).ResponseTemplates['application/json']!;
    // The gateway fills in $context variables; the result must be the Connect error shape.
    expect(JSON.parse(body.replaceAll('$context.httpMethod', 'POST'))).toEqual({
      __type: 'UnknownOperationException',
      Message: expect.stringMatching(/^No route for POST/),
      message: expect.stringMatching(/^No route for POST/),
    });
  });

  it.each([
    ['*', "'*'"],
    ['https://chat.example.com', "'https://chat.example.com'"],
    ['https://a.example.com,https://b.example.com', undefined],
  ])("gateway errors allow the configured origins (%s), never the caller's Origin echoed", (corsAllowOrigins, allowed) => {
    const responses = Object.values(synth({ corsAllowOrigins }).template.findResources('AWS::ApiGateway::GatewayResponse'));
    expect(responses.length).toBeGreaterThan(0);
    for (const response of responses) {
      expect(
        (response.Properties as { ResponseParameters: Record<string, string> }).ResponseParameters[
          'gatewayresponse.header.Access-Control-Allow-Origin'
        ],
      ).toBe(allowed);
    }
  });
});

describe('per-client-IP limits (WAF)', () => {
  const limits = { participant: DEFAULTS.wafParticipantLimit, widget: DEFAULTS.wafWidgetLimit };

  test.each(RATE_RULES)('$api routes: a rate-based rule per client IP over 60 s, answering 429 ThrottlingException', ({ api, pathSegment }) => {
    template.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'REGIONAL',
      DefaultAction: { Allow: {} },
      Rules: Match.arrayWith([
        Match.objectLike({
          Statement: {
            RateBasedStatement: Match.objectLike({
              AggregateKeyType: 'IP',
              EvaluationWindowSec: 60,
              Limit: limits[api],
              ScopeDownStatement: {
                ByteMatchStatement: Match.objectLike({ FieldToMatch: { UriPath: {} }, PositionalConstraint: 'CONTAINS', SearchString: pathSegment }),
              },
            }),
          },
          Action: {
            Block: {
              CustomResponse: Match.objectLike({
                ResponseCode: 429,
                ResponseHeaders: Match.arrayWith([
                  { Name: 'Access-Control-Allow-Origin', Value: '*' },
                  { Name: 'x-amzn-ErrorType', Value: 'ThrottlingException' },
                ]),
              }),
            },
          },
        }),
      ]),
    });
  });

  test('the refusal is the Connect error shape', () => {
    const [acl] = Object.values(template.findResources('AWS::WAFv2::WebACL'));
    const bodies = (acl!.Properties as { CustomResponseBodies: Record<string, { Content: string; ContentType: string }> }).CustomResponseBodies;
    expect(bodies.throttled!.ContentType).toBe('APPLICATION_JSON');
    expect(JSON.parse(bodies.throttled!.Content)).toEqual({
      __type: 'ThrottlingException',
      Message: expect.any(String),
      message: expect.any(String),
    });
  });

  test.each(PUBLIC_ROUTES)("$method $path (public) is counted by its API's rule", ({ api, path }) => {
    expect(path).toContain(RATE_RULES.find((rule) => rule.api === api)!.pathSegment);
  });

  test('the signed APIs (signed callers, often a few servers behind one address) are not limited per IP', () => {
    for (const route of ROUTES.filter(({ api }) => SIGNED_APIS.includes(api))) {
      for (const { pathSegment } of RATE_RULES) expect(route.path).not.toContain(pathSegment);
    }
  });

  it.each([
    ['*', '*'],
    ['https://chat.example.com', 'https://chat.example.com'],
    ['https://a.example.com,https://b.example.com', undefined],
  ])('its refusals allow the configured origins (%s), as the gateway errors do', (corsAllowOrigins, allowed) => {
    const [acl] = Object.values(synth({ corsAllowOrigins }).template.findResources('AWS::WAFv2::WebACL'));
    const rules = (acl!.Properties as { Rules: { Action: { Block: { CustomResponse: { ResponseHeaders: { Name: string; Value: string }[] } } } }[] })
      .Rules;
    expect(rules).toHaveLength(RATE_RULES.length);
    for (const rule of rules) {
      expect(rule.Action.Block.CustomResponse.ResponseHeaders.find(({ Name }) => Name === 'Access-Control-Allow-Origin')?.Value).toBe(allowed);
    }
  });

  test('the web ACL is associated with the REST API stage', () => {
    const aclId = only('AWS::WAFv2::WebACL');
    const stageId = logicalId(chatApi.api.deploymentStage.node.defaultChild as CfnElement);
    template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      WebACLArn: { 'Fn::GetAtt': [aclId, 'Arn'] },
      ResourceArn: {
        'Fn::Join': [
          '',
          Match.arrayWith(['::/restapis/', { Ref: logicalId(chatApi.api.node.defaultChild as CfnElement) }, '/stages/', { Ref: stageId }]),
        ],
      },
    });
  });

  test("limits are settings: -c wafParticipantLimit=1200 -c wafWidgetLimit=60; below WAF's minimum of 10 fails the synth", () => {
    const raised = synth({ wafParticipantLimit: '1200', wafWidgetLimit: '60' }).template;
    raised.hasResourceProperties('AWS::WAFv2::WebACL', {
      Rules: Match.arrayWith([Match.objectLike({ Statement: { RateBasedStatement: Match.objectLike({ Limit: 1200 }) } })]),
    });
    raised.hasResourceProperties('AWS::WAFv2::WebACL', {
      Rules: Match.arrayWith([Match.objectLike({ Statement: { RateBasedStatement: Match.objectLike({ Limit: 60 }) } })]),
    });
    expect(() => synth({ wafWidgetLimit: '5' })).toThrow(/wafWidgetLimit must be an integer >= 10/);
  });

  test('-c waf=false leaves the web ACL out, and cdk-nag accepts that with its reason', () => {
    const without = synth({ waf: 'false' });
    without.template.resourceCountIs('AWS::WAFv2::WebACL', 0);
    without.template.resourceCountIs('AWS::WAFv2::WebACLAssociation', 0);
    expect(new AwsSolutionsChecks().validateScope(without.app).violations).toEqual([]);
  });
});

describe('logging', () => {
  const raw = template.toJSON().Resources as Record<string, { Type: string; DependsOn?: string[]; DeletionPolicy?: string; Properties: Json }>;

  test("both stages log only after the region's API Gateway CloudWatch role is set, which outlives the stack", () => {
    const accountId = only('AWS::ApiGateway::Account');
    expect(raw[accountId]!.DeletionPolicy).toBe('Retain');
    const roleId = (raw[accountId]!.Properties.CloudWatchRoleArn as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    expect(raw[roleId]!.DeletionPolicy).toBe('Retain');
    expect(JSON.stringify(raw[roleId]!.Properties.ManagedPolicyArns)).toContain('service-role/AmazonAPIGatewayPushToCloudWatchLogs');
    for (const stageType of ['AWS::ApiGateway::Stage', 'AWS::ApiGatewayV2::Stage']) {
      const [[stageId, stage]] = Object.entries(raw).filter(([, resource]) => resource.Type === stageType) as [[string, (typeof raw)[string]]];
      expect([stageId, stage.DependsOn]).toEqual([stageId, expect.arrayContaining([accountId])]);
      expect(stage.Properties.AccessLogSetting ?? stage.Properties.AccessLogSettings).toBeDefined();
    }
  });

  test('an account that already has the role keeps it: -c apiGatewayCloudWatchRole=false', () => {
    expect(synth({ apiGatewayCloudWatchRole: 'false' }).template.findResources('AWS::ApiGateway::Account')).toEqual({});
  });
});

describe('functions', () => {
  const newestNode = Object.values(Runtime)
    .filter((runtime): runtime is Runtime => runtime instanceof Runtime && /^nodejs\d+\.x$/.test(runtime.name))
    .sort((a, b) => parseInt(b.name.slice(6), 10) - parseInt(a.name.slice(6), 10))[0]!.name;

  test('one function per route', () => {
    expect(new Set(ROUTES.map(functionIdOf)).size).toBe(ROUTES.length);
  });

  test.each(ROUTES)(`$handler runs on arm64 with ${newestNode}, the newest Node.js of aws-cdk-lib`, (route) => {
    expect(resources[functionIdOf(route)]!.Properties).toMatchObject({ Runtime: newestNode, Architectures: ['arm64'] });
  });

  test('lib/functions-node.json names that runtime, and the bundles target it', () => {
    // When aws-cdk-lib offers a newer Node.js, this is the one place to move: stack, bundles and CI follow it.
    expect([`nodejs${FUNCTIONS_NODE_MAJOR}.x`, HANDLER_BUNDLING.target]).toEqual([newestNode, `node${FUNCTIONS_NODE_MAJOR}`]);
  });

  test('a Node.js major aws-cdk-lib does not offer fails the synth, naming the file to change', () => {
    expect(nodeRuntime(22).name).toBe('nodejs22.x');
    expect(() => nodeRuntime(99)).toThrow('aws-cdk-lib has no Runtime.NODEJS_99_X: set lib/functions-node.json');
  });

  test.each(ROUTES)('$handler gets the table, bucket and key settings', (route) => {
    expect(resources[functionIdOf(route)]!.Properties.Environment).toEqual({
      Variables: expect.objectContaining({
        TABLE_NAME: { Ref: tableId },
        TRANSCRIPT_BUCKET: { Ref: bucketId },
        TRANSCRIPT_PREFIX: 'connect',
        SIGNING_KEY_SECRET_ARN: { Ref: secretId },
      }),
    });
  });

  test('every function logs to its own log group with a retention', () => {
    for (const [, fn] of ofType('AWS::Lambda::Function')) {
      const group = (fn.Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
      expect(resources[group]!.Properties.RetentionInDays).toBe(30);
    }
  });
});

describe('least privilege', () => {
  test('no policy in the stack has a "*" resource', () => {
    for (const [, policy] of ofType('AWS::IAM::Policy')) {
      for (const statement of (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement) {
        expect(resourcesOf(statement)).not.toContain('*');
      }
    }
    // No managed policies, but for API Gateway's own logging role (AWS's documented policy; see 'logging').
    const managed = ofType('AWS::IAM::Role').filter(([, role]) => role.Properties.ManagedPolicyArns);
    expect(managed.map(([, role]) => JSON.stringify(role.Properties.AssumeRolePolicyDocument))).toEqual([
      expect.stringContaining('apigateway.amazonaws.com'),
    ]);
  });

  test.each(allRoutes)('$name may touch only the table, its transcript prefix, the key and the push, as its access says', (route) => {
    const statements = statementsOf(route.functionId());
    const granted = (service: string) => statements.filter((statement) => actions(statement).some((action) => action.startsWith(`${service}:`)));

    const tableArn = { 'Fn::GetAtt': [tableId, 'Arn'] };
    const [onTable, onIndexes] = [
      granted('dynamodb').filter((s) => !JSON.stringify(s.Resource).includes('/index/')),
      granted('dynamodb').filter((s) => JSON.stringify(s.Resource).includes('/index/')),
    ];
    for (const statement of onTable) expect(resourcesOf(statement)).toEqual([tableArn]);
    expect(onTable.flatMap(actions).sort()).toEqual(tableActions(route.access, true).sort());
    // Query on the indexes its access names, nothing else.
    expect(onIndexes.map((statement) => [actions(statement), resourcesOf(statement)])).toEqual(
      route.access.indexes?.length
        ? [[['dynamodb:Query'], route.access.indexes.map((name) => ({ 'Fn::Join': ['', [tableArn, `/index/${name}`]] }))]]
        : [],
    );

    // Transcript files under the prefix; and listing the bucket, so that a missing file is S3's 404, not its 403.
    // Attachment keys: only the attachment functions, and their own test below.
    // Erasure's own grants: the test after the attachments' below.
    const s3 = granted('s3').filter((statement) => !JSON.stringify(statement.Resource).includes('Attachments/') && !isErasureGrant(statement));
    expect(s3.length).toBe(route.access.bucket === undefined ? 0 : 2);
    if (route.access.bucket) {
      const [objects, listing] = s3.sort((a, b) => actions(a)[0]!.localeCompare(actions(b)[0]!)) as [Statement, Statement];
      expect(resourcesOf(objects)).toEqual([objectsArn('/connect/*/ChatTranscripts/*')]);
      expect(actions(objects)).toEqual(route.access.bucket === 'readwrite' ? ['s3:GetObject', 's3:PutObject'] : ['s3:GetObject']);
      expect(resourcesOf(listing)).toEqual([{ 'Fn::GetAtt': [bucketId, 'Arn'] }]);
      expect(actions(listing)).toEqual(['s3:ListBucket']);
    }

    const push = granted('execute-api');
    expect(push.length > 0).toBe(route.access.push === true);
    for (const statement of push) {
      expect(actions(statement)).toEqual(['execute-api:ManageConnections']);
      // This API's stage only, and only posting and closing (no GET of a connection's details).
      const arns = resourcesOf(statement).map((arn) => JSON.stringify(arn));
      expect(arns).toHaveLength(2);
      expect(arns[0]).toContain(`{"Ref":"${websocketApiId}"},"/v1/POST/@connections/*"`);
      expect(arns[1]).toContain(`{"Ref":"${websocketApiId}"},"/v1/DELETE/@connections/*"`);
    }

    expect(granted('secretsmanager')).toEqual([{ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: { Ref: secretId } }]);
    expect(statements.filter((statement) => !/^(dynamodb|s3|secretsmanager|logs|execute-api):/.test(actions(statement)[0]!))).toEqual([]);
  });

  const uploads = objectsArn('/connect/PendingAttachments/*');
  const kept = objectsArn('/connect/*/Attachments/*');
  const attachmentGrants: Record<NonNullable<RouteAccess['attachments']> | 'none', [string[], unknown][]> = {
    none: [],
    // The pre-signed PUT URL is signed with this role: it may put uploads, nothing else.
    upload: [[['s3:PutObject'], uploads]],
    // HEAD of the upload, the copy to the kept key (GetObject on its source, PutObject on its target), the first bytes, the upload's removal.
    complete: [
      [['s3:GetObject', 's3:DeleteObject'], uploads],
      [['s3:GetObject', 's3:PutObject'], kept],
    ],
    // The pre-signed GET URL.
    download: [[['s3:GetObject'], kept]],
  };
  test.each(allRoutes)('$name has exactly the object actions on attachment keys its attachment use needs', (route) => {
    const onAttachments = statementsOf(route.functionId()).filter(
      (statement) => JSON.stringify(statement.Resource).includes('Attachments/') && !isErasureGrant(statement),
    );
    expect(onAttachments.map((statement) => [actions(statement), statement.Resource])).toEqual(attachmentGrants[route.access.attachments ?? 'none']);
  });

  // Erasing a line removes every version of its files: version listing and deletion, on the line's keys only.
  test.each(allRoutes)('$name lists and deletes object versions only if it erases lines', (route) => {
    const erasure = statementsOf(route.functionId()).filter(isErasureGrant);
    const expected = route.access.erases
      ? [
          [
            ['s3:DeleteObject', 's3:DeleteObjectVersion'],
            [objectsArn('/connect/*/ChatTranscripts/*'), kept, uploads],
          ],
          [['s3:ListBucketVersions', 's3:ListBucket'], { 'Fn::GetAtt': [bucketId, 'Arn'] }],
        ]
      : [];
    expect(erasure.map((statement) => [actions(statement), statement.Resource])).toEqual(expected);
  });

  test('every attachment function knows the attachment settings', () => {
    for (const route of allRoutes) {
      expect((resources[route.functionId()]!.Properties.Environment as { Variables: Json }).Variables).toMatchObject({
        ATTACHMENT_EXTENSIONS: 'csv,doc,docx,heic,jfif,jpeg,jpg,mov,mp4,pdf,png,ppt,pptx,rtf,txt,wav,xls,xlsx',
        ATTACHMENT_MAX_SIZE_BYTES: '20971520',
      });
    }
  });
});

describe('table actions per route', () => {
  const tableActionsOf = (functionId: string) =>
    statementsOf(functionId)
      .flatMap(actions)
      .filter((action) => action.startsWith('dynamodb:'));

  test('no policy of the stack may Scan the table, or use a wildcard action on it', () => {
    for (const [, policy] of ofType('AWS::IAM::Policy')) {
      for (const action of (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement.flatMap(actions)) {
        expect(action).not.toMatch(/^dynamodb:(Scan|\*|Batch\*|Delete\*)$/);
      }
    }
  });

  test.each(allRoutes)('$name: read or read-write as its access says', (route) => {
    const granted = tableActionsOf(route.functionId());
    expect(granted).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query']));
    for (const write of ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:ConditionCheckItem']) {
      expect([write, granted.includes(write)]).toEqual([write, route.access.table === 'readwrite']);
    }
  });

  test.each(allRoutes)('$name: BatchWriteItem only if it archives transcripts, DeleteItem only if it forgets connections', (route) => {
    const granted = tableActionsOf(route.functionId());
    const deletes = route.access.deletes ?? [];
    expect(granted.includes('dynamodb:BatchWriteItem')).toBe(deletes.includes('transcript-items') || deletes.includes('line'));
    expect(granted.includes('dynamodb:DeleteItem')).toBe(deletes.includes('connections'));
  });

  // Archiving writes the file; only the sweep deletes the items, a grace later, once no request can be reading them.
  test.each(allRoutes)('$name never deletes transcript items (the sweep does)', (route) => {
    expect(route.access.deletes ?? []).not.toContain('transcript-items');
  });
  test('the sweep deletes transcript items, and may write the files they are in', () => {
    expect(SWEEP.access.deletes).toContain('transcript-items');
    expect(SWEEP.access.bucket).toBe('readwrite');
  });

  // The fan-out forgets connections API Gateway reports gone and closes expired ones.
  test.each(allRoutes.filter(({ access }) => access.push))('$name pushes, so it may delete connection records', (route) => {
    expect(route.access.deletes).toContain('connections');
  });

  test('no deployed code scans the table: the sweep finds its work through an index', () => {
    const scanning = sourceFiles('lambdas')
      .filter((file) => /\bScan(Command|Input)\b/.test(readFileSync(file, 'utf8')))
      .map((file) => relative(root, file));
    // The one scan: attachment uploads never completed, looked for only by the local server at its start
    // (s3rver has no lifecycle rules; on AWS the bucket's rule removes them and no function can Scan).
    expect(scanning).toEqual(['lambdas/stores/dynamodb/contact-store.ts']);
    const callers = [...sourceFiles('lambdas'), ...sourceFiles('local')].filter(
      (file) => /\.sweep\(\)/.test(readFileSync(file, 'utf8')) && /attachments/.test(readFileSync(file, 'utf8')),
    );
    expect(callers.map((file) => relative(root, file))).toEqual(['local/server.ts']);
  });
});

describe('WebSocket API', () => {
  test('routes on the frame topic, as chatjs names its frames', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'WEBSOCKET', RouteSelectionExpression: '$request.body.topic' });
  });

  test.each(WEBSOCKET_ROUTES)('$routeKey goes to $handler, answered on the socket unless it is $connect or $disconnect', ({ routeKey }) => {
    const [routeId, route] = websocketRouteProps(routeKey);
    expect(route.Properties.AuthorizationType).toBe('NONE'); // $connect checks the URL's own credential
    const responses = ofType('AWS::ApiGatewayV2::RouteResponse').filter(([, response]) => (response.Properties.RouteId as Json).Ref === routeId);
    expect(responses.length).toBe(['$connect', '$disconnect'].includes(routeKey) ? 0 : 1);
  });

  test('one function per handler: the topics and $default share one', () => {
    const functions = new Set(WEBSOCKET_ROUTES.map(({ routeKey }) => websocketFunctionIdOf(routeKey)));
    expect(functions.size).toBe(new Set(WEBSOCKET_ROUTES.map(({ handler }) => handler)).size);
  });

  test('the stage is throttled and writes access logs', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      ApiId: { Ref: websocketApiId },
      AutoDeploy: true,
      DefaultRouteSettings: Match.objectLike({ ThrottlingRateLimit: 500, ThrottlingBurstLimit: 1000 }),
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('connectionId') },
    });
  });

  test.each(WEBSOCKET_ROUTES.filter(({ throttle }) => throttle))(
    '$routeKey has its own, lower limit, and the stage is made after it',
    ({ routeKey, throttle }) => {
      template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        RouteSettings: { [routeKey]: { ThrottlingRateLimit: throttle!.rateLimit, ThrottlingBurstLimit: throttle!.burstLimit } },
      });
      const [stageId] = ofType('AWS::ApiGatewayV2::Stage')[0]!;
      expect((template.toJSON().Resources as Record<string, { DependsOn?: string[] }>)[stageId]!.DependsOn).toContain(
        websocketRouteProps(routeKey)[0],
      );
    },
  );

  test.each(allRoutes)("$name knows the stage's wss:// URL (WEBSOCKET_URL)", (route) => {
    const url = JSON.stringify((resources[route.functionId()]!.Properties.Environment as { Variables: Json }).Variables.WEBSOCKET_URL);
    expect(url).toContain('"wss://",');
    expect(url).toContain(`{"Ref":"${websocketApiId}"}`);
  });
});

describe('the sweep', () => {
  const [ruleId, rule] = ofType('AWS::Events::Rule')[0]!;
  const sweepId = () => {
    const targets = rule.Properties.Targets as { Arn: { 'Fn::GetAtt': [string, string] } }[];
    expect(targets).toHaveLength(1);
    return targets[0]!.Arn['Fn::GetAtt'][0];
  };

  test('an EventBridge rule invokes the sweep function every minute, without retries (the next run takes over)', () => {
    expect(ofType('AWS::Events::Rule')).toHaveLength(1);
    expect(rule.Properties).toMatchObject({
      ScheduleExpression: 'rate(1 minute)',
      State: 'ENABLED',
      Targets: [expect.objectContaining({ RetryPolicy: { MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 } })],
    });
    expect(resources[sweepId()]!.Properties.Environment).toEqual({
      Variables: expect.objectContaining({
        TABLE_NAME: { Ref: tableId },
        TRANSCRIPT_BUCKET: { Ref: bucketId },
        SIGNING_KEY_SECRET_ARN: { Ref: secretId },
      }),
    });
    template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      FunctionName: { 'Fn::GetAtt': [sweepId(), 'Arn'] },
      SourceArn: { 'Fn::GetAtt': [ruleId, 'Arn'] },
    });
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { FunctionName: { Ref: sweepId() }, MaximumRetryAttempts: 0 });
    // It stops taking work 10 s before its timeout, and a run rarely outlasts the minute.
    expect(resources[sweepId()]!.Properties.Timeout).toBe(55);
  });

  /** A sparse index of the table: string partition key, number sort key, and what it projects. */
  const hasIndex = (index: typeof SWEEP_INDEX | typeof QUEUE_INDEX, Projection: object) =>
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      GlobalSecondaryIndexes: Match.arrayWith([
        {
          IndexName: index.name,
          KeySchema: [
            { AttributeName: index.partitionKey, KeyType: 'HASH' },
            { AttributeName: index.sortKey, KeyType: 'RANGE' },
          ],
          Projection,
        },
      ]),
      AttributeDefinitions: Match.arrayWith([
        { AttributeName: index.partitionKey, AttributeType: 'S' },
        { AttributeName: index.sortKey, AttributeType: 'N' },
      ]),
    });

  test('the table has its sparse index of due records: sharded partition key, due time as sort key, keys only', () => {
    hasIndex(SWEEP_INDEX, { ProjectionType: 'KEYS_ONLY' });
  });

  test("the table has its queues' sparse index: a queue's partition, the enqueue time as sort key, what the waiting list shows", () => {
    hasIndex(QUEUE_INDEX, { ProjectionType: 'INCLUDE', NonKeyAttributes: [...QUEUE_INDEX.projected] });
  });

  test('the sweep function may do exactly what ending a chat does, and Query the sweep index (no Scan)', () => {
    const statements = statementsOf(sweepId());
    const granted = (service: string) => statements.filter((statement) => actions(statement).some((action) => action.startsWith(`${service}:`)));
    const tableArn = { 'Fn::GetAtt': [tableId, 'Arn'] };
    expect(granted('dynamodb').map((statement) => [actions(statement).sort(), resourcesOf(statement)])).toEqual([
      [tableActions(SWEEP.access, true).sort(), [tableArn]],
      [['dynamodb:Query'], [{ 'Fn::Join': ['', [tableArn, '/index/sweep']] }]],
    ]);
    expect(tableActions(SWEEP.access, true).sort()).toEqual(
      ['BatchWriteItem', 'ConditionCheckItem', 'DeleteItem', 'GetItem', 'PutItem', 'Query', 'UpdateItem'].map((action) => `dynamodb:${action}`),
    );
    expect(granted('s3').flatMap(actions).sort()).toEqual(['s3:GetObject', 's3:ListBucket', 's3:PutObject']);
    expect(granted('execute-api').flatMap(actions)).toEqual(['execute-api:ManageConnections']);
    expect(granted('secretsmanager')).toEqual([{ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: { Ref: secretId } }]);
    expect(statements.filter((statement) => !/^(dynamodb|s3|secretsmanager|logs|execute-api):/.test(actions(statement)[0]!))).toEqual([]);
  });
});

describe('data', () => {
  test('the table: keys from the store, on demand, PITR, TTL, encrypted', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: TABLE_KEYS.partitionKey, KeyType: 'HASH' },
        { AttributeName: TABLE_KEYS.sortKey, KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
      SSESpecification: { SSEEnabled: true },
    });
  });

  test('one transcript bucket: public access blocked, encrypted, versioned', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      VersioningConfiguration: { Status: 'Enabled' },
    });
  });

  test('the bucket refuses requests without TLS', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
  });

  test('the signing key ring is a Secrets Manager secret, written at creation and rotated', () => {
    template.hasResourceProperties('AWS::CloudFormation::CustomResource', { SecretArn: { Ref: secretId } });
    template.hasResourceProperties('AWS::SecretsManager::RotationSchedule', {
      SecretId: { Ref: secretId },
      RotationLambdaARN: Match.anyValue(),
      RotationRules: { ScheduleExpression: 'rate(45 days)' },
      RotateImmediatelyOnUpdate: false,
    });
  });

  test('attachment uploads never completed are removed after a day by a lifecycle rule on their prefix, versions and markers included', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: [
          {
            Id: 'AbandonedAttachmentUploads',
            Prefix: 'connect/PendingAttachments/',
            Status: 'Enabled',
            ExpirationInDays: 1,
            NoncurrentVersionExpiration: { NoncurrentDays: 1 },
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
          },
          { Id: 'AttachmentUploadMarkers', Prefix: 'connect/PendingAttachments/', Status: 'Enabled', ExpiredObjectDeleteMarker: true },
        ],
      },
    });
  });

  test("the bucket's CORS lets the configured origins' pages PUT and GET attachments at their pre-signed URLs", () => {
    const cors = (context: Json) =>
      (Object.values(synth(context).template.findResources('AWS::S3::Bucket'))[0]!.Properties as { CorsConfiguration: unknown }).CorsConfiguration;
    expect(cors({})).toEqual({
      CorsRules: [
        {
          AllowedMethods: ['PUT', 'GET', 'HEAD'],
          AllowedOrigins: ['*'],
          AllowedHeaders: ['content-type'],
          ExposedHeaders: ['content-length', 'content-type', 'content-disposition', 'etag'],
          MaxAge: 3000,
        },
      ],
    });
    expect(cors({ corsAllowOrigins: 'https://shop.example.com,https://help.example.com' })).toMatchObject({
      CorsRules: [{ AllowedOrigins: ['https://shop.example.com', 'https://help.example.com'] }],
    });
  });

  test('attachment settings come from the context and are checked at synth', () => {
    const functions = synth({ attachmentExtensions: 'pdf,PNG', attachmentMaxSizeInBytes: '104857600' }).template.findResources(
      'AWS::Lambda::Function',
    );
    const variables = Object.values(functions).map((fn) => (fn.Properties as { Environment?: { Variables: Json } }).Environment?.Variables);
    expect(variables).toContainEqual(expect.objectContaining({ ATTACHMENT_EXTENSIONS: 'pdf,png', ATTACHMENT_MAX_SIZE_BYTES: '104857600' }));
    expect(() => synth({ attachmentMaxSizeInBytes: '104857601' })).toThrow(
      /attachmentMaxSizeInBytes: the attachment size limit must be a whole number of bytes from 1 to 104857600/,
    );
    expect(() => synth({ attachmentExtensions: 'pdf,exe' })).toThrow(/attachment extensions exe are not known/);
  });

  test('with an existing bucket, the stack makes none and grants only under the given prefix', () => {
    const existing = synth({ transcriptBucketName: 'connect-transcripts-123', transcriptPrefix: 'chats/' }).template;
    existing.resourceCountIs('AWS::S3::Bucket', 0);
    const policies = JSON.stringify(existing.findResources('AWS::IAM::Policy'));
    expect(policies).toContain(':s3:::connect-transcripts-123/chats/*/ChatTranscripts/*');
    expect(policies).toContain(':s3:::connect-transcripts-123/chats/PendingAttachments/*');
    expect(policies).toContain(':s3:::connect-transcripts-123/chats/*/Attachments/*');
    existing.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ TRANSCRIPT_BUCKET: 'connect-transcripts-123', TRANSCRIPT_PREFIX: 'chats' }) },
    });
  });
});

test('cdk-nag (AwsSolutions) finds nothing unacknowledged', () => {
  const report = new AwsSolutionsChecks().validateScope(app);
  expect(
    report.violations.map((violation) => `${violation.ruleName}: ${violation.violatingResources.map((r) => r.constructPath).join(', ')}`),
  ).toEqual([]);
});

test('bad settings fail the synth with a clear message', () => {
  expect(() => synth({ keyRotationDays: 30 })).toThrow(/keyRotationDays must be an integer >= 32/);
  expect(() => synth({ removalPolicy: 'snapshot' })).toThrow(/removalPolicy must be one of retain, destroy/);
  // Amazon Connect's routing profiles take 1 to 10 chats per agent.
  expect(() => synth({ agentChatLimit: 11 })).toThrow(/agentChatLimit must be an integer >= 1 and <= 10, got 11/);
  expect(Stack.of(stack).stackName).toBe('Test');
});
