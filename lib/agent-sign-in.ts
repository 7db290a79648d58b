import { Aws, CfnOutput, Duration, type RemovalPolicy, Validations } from 'aws-cdk-lib';
import {
  AccountRecovery,
  CfnManagedLoginBranding,
  CfnUserPoolGroup,
  FeaturePlan,
  type IUserPool,
  ManagedLoginVersion,
  Mfa,
  OAuthScope,
  UserPool,
  UserPoolClientIdentityProvider,
} from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';

export interface AgentSignInProps {
  removalPolicy: RemovalPolicy;
  /** An existing user pool and its app client (context `userPoolId`, `userPoolClientId`); none: the stack makes both. */
  userPoolId?: string;
  userPoolClientId?: string;
  /** The managed login's domain prefix (`<prefix>.auth.<region>.amazoncognito.com`); globally unique. */
  userPoolDomainPrefix?: string;
  /** Where the desk runs: the sign-in redirects back there (its `/agent` URLs). */
  agentDeskUrls: string[];
  /** Queues made as groups of a new pool (an agent's groups are its queues). */
  agentQueues: string[];
}

/**
 * Agents sign in to an Amazon Cognito user pool: its users are the agents, its groups their queues
 * (`cognito:groups` in their access tokens). The desk is a public app client (no secret: a browser
 * cannot keep one) with the authorization-code flow and PKCE, through Cognito's managed login.
 *
 * How the credentials are revoked: an access token lives an hour (API Gateway's authorizer does not
 * look up revocations: it stays valid until then); disabling the user or AdminUserGlobalSignOut ends
 * its refresh tokens (8 hours), removing it from a group takes that queue away at its next token.
 */
export class AgentSignIn extends Construct {
  readonly userPool: IUserPool;
  readonly clientId: string;
  /** The managed login's base URL (none with an existing pool: its own domain is the operator's). */
  readonly domainUrl?: string;

  constructor(scope: Construct, id: string, props: AgentSignInProps) {
    super(scope, id);
    if (props.userPoolId) {
      if (!props.userPoolClientId) throw new Error('context userPoolId needs userPoolClientId: the desk signs in through that app client');
      this.userPool = UserPool.fromUserPoolId(this, 'Agents', props.userPoolId);
      this.clientId = props.userPoolClientId;
      return;
    }
    const pool = new UserPool(this, 'Agents', {
      userPoolName: `${Aws.STACK_NAME}-agents`,
      // Agents are made by an administrator (console, or `aws cognito-idp admin-create-user`), never by themselves.
      selfSignUpEnabled: false,
      signInAliases: { username: true, email: true },
      featurePlan: FeaturePlan.ESSENTIALS,
      passwordPolicy: { minLength: 12, requireLowercase: true, requireUppercase: true, requireDigits: true, requireSymbols: true },
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      removalPolicy: props.removalPolicy,
    });
    Validations.of(pool).acknowledge({
      id: 'AwsSolutions-COG8',
      reason:
        'Threat protection needs the Plus feature plan, billed per monthly active user; the pool has no self sign-up, requires TOTP MFA and a strong password. An operator can move it to Plus in the console.',
    });
    Validations.of(pool).acknowledge({
      id: 'AwsSolutions-COG3',
      reason: 'Advanced security (threat protection) is a Plus feature plan option: see COG8.',
    });
    const client = pool.addClient('Desk', {
      generateSecret: false,
      authFlows: {},
      oAuth: {
        flows: { authorizationCodeGrant: true },
        scopes: [OAuthScope.OPENID, OAuthScope.PROFILE],
        callbackUrls: props.agentDeskUrls,
        logoutUrls: props.agentDeskUrls,
      },
      supportedIdentityProviders: [UserPoolClientIdentityProvider.COGNITO],
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.hours(8),
    });
    const domain = pool.addDomain('Login', {
      cognitoDomain: { domainPrefix: props.userPoolDomainPrefix ?? `persistent-chat-${Aws.ACCOUNT_ID}` },
      managedLoginVersion: ManagedLoginVersion.NEWER_MANAGED_LOGIN,
    });
    // The newer managed login shows nothing without a style: Cognito's own.
    new CfnManagedLoginBranding(this, 'LoginStyle', {
      userPoolId: pool.userPoolId,
      clientId: client.userPoolClientId,
      useCognitoProvidedValues: true,
    });
    props.agentQueues.forEach((queue, index) => {
      new CfnUserPoolGroup(this, `Queue${index}`, { userPoolId: pool.userPoolId, groupName: queue, description: `Agents of queue ${queue}` });
    });
    this.userPool = pool;
    this.clientId = client.userPoolClientId;
    this.domainUrl = domain.baseUrl();
    new CfnOutput(this, 'AgentSignInUrl', { value: this.domainUrl, description: "Cognito's managed login for agents" });
  }
}
