import { join } from 'node:path';
import type { BuildOptions } from 'esbuild';
import functionsNode from './functions-node.json';

/** The Node.js major of the functions' Lambda runtime (lib/functions-node.json, which .ci/run reads too). */
export const FUNCTIONS_NODE_MAJOR = functionsNode.major;

/**
 * How every Lambda handler is bundled: the stack (lib/chat-function.ts) and `npm run bench`, which
 * measures each bundle's size and cold initialisation, both read this, so the bench measures what
 * is deployed. No CDK imports here: the bench is bundled on its own.
 */
export const HANDLER_BUNDLING = {
  /** The Node.js of every function's runtime. */
  target: `node${FUNCTIONS_NODE_MAJOR}`,
  minify: true,
  /**
   * Source maps (without the sources) beside each bundle, and Node told to use them, so that an error's
   * stack in the logs names our files and lines. It costs about 10 ms of cold initialisation, which the
   * bench includes.
   */
  sourcemap: true,
  sourcesContent: false,
  nodeOptions: '--enable-source-maps',
  /** The SDK's ES module builds tree-shake: a third smaller and about half the cold init of its CommonJS builds. */
  mainFields: ['module', 'main'],
  /** Module replaced => stand-in, relative to the project root (esbuild's working directory); the reason is in the stand-in. */
  alias: {
    '@aws-sdk/credential-provider-node': './lambdas/stores/lambda-credentials.ts',
  },
} as const;

/** The same settings for esbuild's own API (the bench and the bundle test build with it): one handler of lambdas/handlers/. */
export const handlerBuildOptions = (root: string, handler: string, outfile: string): BuildOptions => ({
  absWorkingDir: root,
  entryPoints: [join(root, 'lambdas/handlers', `${handler}.ts`)],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: HANDLER_BUNDLING.target,
  minify: HANDLER_BUNDLING.minify,
  sourcemap: HANDLER_BUNDLING.sourcemap,
  sourcesContent: HANDLER_BUNDLING.sourcesContent,
  mainFields: [...HANDLER_BUNDLING.mainFields],
  alias: HANDLER_BUNDLING.alias,
  logLevel: 'silent',
});
