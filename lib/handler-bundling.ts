/**
 * How every Lambda handler is bundled: the stack (lib/chat-function.ts) and `npm run bench`, which
 * measures each bundle's size and cold initialisation, both read this, so the bench measures what
 * is deployed. No CDK imports here: the bench is bundled on its own.
 */
export const HANDLER_BUNDLING = {
  /** Node.js 24, the runtime of every function. */
  target: 'node24',
  /** The SDK's ES module builds tree-shake: a third smaller and about half the cold init of its CommonJS builds. */
  mainFields: ['module', 'main'],
  /** Module replaced => stand-in, relative to the project root (esbuild's working directory); the reason is in the stand-in. */
  alias: {
    '@aws-sdk/credential-provider-node': './lambdas/stores/lambda-credentials.ts',
  },
} as const;
