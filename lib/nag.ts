import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';

/**
 * Acknowledges the one wildcard resource of an IAM5 finding. cdk-nag reports IAM5 per wildcard
 * (`AwsSolutions-IAM5[Resource::<Bucket.Arn>/connect/*]`) and matches acknowledgements by that
 * exact id, so the id is built with cdk-nag's own formatting from the resource as synthesized:
 * any other wildcard on the same principal still fails the synth.
 */
export function acknowledgeWildcardResource(scope: IConstruct, resourceArn: string, reason: string): void {
  const resource = flattenCfnReference(Stack.of(scope).resolve(resourceArn));
  Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[Resource::${resource}]`, reason });
}
