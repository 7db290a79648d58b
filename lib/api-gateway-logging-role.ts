import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { CfnAccount } from 'aws-cdk-lib/aws-apigateway';
import { ManagedPolicy, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/**
 * The region's API Gateway CloudWatch role. No stage of any API may log, access logs included, until
 * the account names one for the region ("CloudWatch Logs role ARN must be set in account settings to
 * enable logging"), so a fresh account could not deploy the stages without it. It is one setting per
 * account and region, shared with every other API there: role and setting are kept when the stack is
 * deleted, and `-c apiGatewayCloudWatchRole=false` leaves an account that already has one alone.
 */
export class ApiGatewayLoggingRole extends Construct {
  /** What every stage that logs must be created after. */
  readonly account: CfnAccount;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('apigateway.amazonaws.com'),
      managedPolicies: [ManagedPolicy.fromAwsManagedPolicyName('service-role/AmazonAPIGatewayPushToCloudWatchLogs')],
    });
    role.applyRemovalPolicy(RemovalPolicy.RETAIN);
    this.account = new CfnAccount(this, 'Account', { cloudWatchRoleArn: role.roleArn });
    this.account.applyRemovalPolicy(RemovalPolicy.RETAIN);
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      reason:
        "API Gateway's own role for writing any API's logs in this region: AWS's managed policy is the documented one, and the role must serve other APIs of the account too.",
    });
  }
}
