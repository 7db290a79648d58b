import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { PersistentChatStack } from '../../lib/persistent-chat-stack';
import { settingsFromContext } from '../../lib/settings';

/** The site (`-c site=true`, the default): the pages on CloudFront from a private bucket, with the config.json the stack writes. */
function synth(context: Record<string, string> = {}) {
  const app = new App({ builtinCloudFormationValidation: false, context: { 'aws:cdk:bundling-stacks': [], ...context } });
  const stack = new PersistentChatStack(app, 'Site', { settings: settingsFromContext(app.node) });
  return { app, stack, template: Template.fromStack(stack) };
}

const { app, template } = synth();
const distributionDomain = { 'Fn::GetAtt': [Match.stringLikeRegexp('^SiteDistribution'), 'DomainName'] };

test('the site is on by default; -c site=false leaves it out', () => {
  synth({ site: 'false' }).template.resourceCountIs('AWS::CloudFront::Distribution', 0);
});

test('CloudFront serves the pages from a private bucket through origin access control, over HTTPS only', () => {
  template.resourceCountIs('AWS::CloudFront::Distribution', 1);
  template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
    OriginAccessControlConfig: Match.objectLike({ SigningBehavior: 'always' }),
  });
  template.hasResourceProperties('AWS::CloudFront::Distribution', {
    DistributionConfig: Match.objectLike({
      DefaultRootObject: 'index.html',
      DefaultCacheBehavior: Match.objectLike({ ViewerProtocolPolicy: 'redirect-to-https' }),
    }),
  });
  template.hasResourceProperties('AWS::S3::Bucket', {
    PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
  });
});

test("the pages get the local server's Content-Security-Policy, widened to the API, the transcript bucket and the sign-in", () => {
  const policy = JSON.stringify(template.findResources('AWS::CloudFront::ResponseHeadersPolicy'));
  for (const part of ["default-src 'self'", "frame-ancestors 'none'", 'execute-api', 'wss://', 'amazoncognito.com', 'cognito-idp']) {
    expect(policy).toContain(part);
  }
});

test("the stack writes config.json with the API's URL, the user pool's issuer and the desk's client; the desk's URL may sign in", () => {
  // config.json is the second source, its deploy-time values as markers: the API and its stage, the pool, the client.
  const [deployment] = Object.values(template.findResources('Custom::CDKBucketDeployment'));
  const markers = JSON.stringify(deployment.Properties.SourceMarkers[1]);
  for (const ref of [/"Ref":"Api[0-9A-F]{8}"/, /"Ref":"ApiDeploymentStage/, /"Ref":"AgentSignInAgents[0-9A-F]{8}"/, /"Ref":"AgentSignInAgentsDesk/])
    expect(markers).toMatch(ref);
  template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
    CallbackURLs: Match.arrayWith([{ 'Fn::Join': ['', ['https://', distributionDomain, '/agent']] }]),
  });
  template.hasOutput('SiteUrl', { Value: { 'Fn::Join': ['', ['https://', distributionDomain]] } });
});

test("cdk-nag's findings pass or are acknowledged with reasons", () => {
  expect(new AwsSolutionsChecks().validateScope(app).violations.map((violation) => violation.ruleName)).toEqual([]);
});
