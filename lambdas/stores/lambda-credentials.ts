import { type FromEnvInit, fromEnv } from '@aws-sdk/credential-provider-env';
import type { AwsCredentialIdentityProvider } from '@smithy/types';

/**
 * Stands in for `@aws-sdk/credential-provider-node` in the Lambda bundles (lib/handler-bundling.ts
 * aliases it here). Lambda always puts the function role's credentials in the environment, the first
 * place the SDK's default chain looks, so the chain's SSO, INI, process, web-identity and IMDS
 * providers, with the STS and SSO clients they carry, are never reached there: they were a fifth of
 * every function's bundle. The local server and the tests keep the whole chain.
 */
export const defaultProvider = (init?: FromEnvInit): AwsCredentialIdentityProvider => fromEnv(init);
