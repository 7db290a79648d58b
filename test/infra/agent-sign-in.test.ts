import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ROUTES } from '../../lambdas/routes';
import { PersistentChatStack } from '../../lib/persistent-chat-stack';
import { settingsFromContext } from '../../lib/settings';

/** Agents' sign-in on AWS: the user pool the stack makes (or an existing one, by context), and its desk client. */
function synth(context: Record<string, string> = {}) {
  // Without the site, whose desk URL joins the client's callbacks (site.test.ts).
  const app = new App({ builtinCloudFormationValidation: false, context: { 'aws:cdk:bundling-stacks': [], site: 'false', ...context } });
  const stack = new PersistentChatStack(app, 'Agents', { settings: settingsFromContext(app.node) });
  return { app, template: Template.fromStack(stack) };
}

describe('a user pool made by the stack', () => {
  const { app, template } = synth({ agentDeskUrls: 'https://desk.example.com/agent' });

  test('agents are made by an administrator, sign in with a strong password and TOTP MFA', () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      MfaConfiguration: 'ON',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      Policies: { PasswordPolicy: Match.objectLike({ MinimumLength: 12, RequireSymbols: true, RequireUppercase: true, RequireNumbers: true }) },
      UserPoolTier: 'ESSENTIALS',
    });
  });

  test('the desk is a public client of the authorization-code flow (PKCE: no secret) through the managed login', () => {
    template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
      GenerateSecret: false,
      AllowedOAuthFlows: ['code'],
      AllowedOAuthFlowsUserPoolClient: true,
      AllowedOAuthScopes: Match.arrayWith(['openid']),
      CallbackURLs: ['https://desk.example.com/agent'],
      SupportedIdentityProviders: ['COGNITO'],
    });
    template.hasResourceProperties('AWS::Cognito::UserPoolDomain', { ManagedLoginVersion: 2 });
    template.resourceCountIs('AWS::Cognito::ManagedLoginBranding', 1);
  });

  test("queues are the pool's groups", () => {
    template.hasResourceProperties('AWS::Cognito::UserPoolGroup', { GroupName: 'support' });
  });

  test('every agent route is behind the Cognito authorizer', () => {
    const agentMethods = Object.values(template.findResources('AWS::ApiGateway::Method')).filter(
      ({ Properties }) => Properties.AuthorizationType === 'COGNITO_USER_POOLS',
    );
    expect(agentMethods).toHaveLength(ROUTES.filter(({ api }) => api === 'agent').length);
  });

  test("cdk-nag's Cognito rules pass or are acknowledged with reasons", () => {
    expect(new AwsSolutionsChecks().validateScope(app).violations).toEqual([]);
  });
});

test('an existing user pool, by context: no pool made, its authorizer on the agent routes', () => {
  const { template } = synth({ userPoolId: 'us-east-1_Example', userPoolClientId: 'exampleclient' });
  template.resourceCountIs('AWS::Cognito::UserPool', 0);
  template.hasResourceProperties('AWS::ApiGateway::Authorizer', {
    Type: 'COGNITO_USER_POOLS',
    ProviderARNs: [Match.objectLike({ 'Fn::Join': Match.arrayWith([Match.arrayWith([':userpool/us-east-1_Example'])]) })],
  });
  template.hasOutput('UserPoolClientId', { Value: 'exampleclient' });
});
