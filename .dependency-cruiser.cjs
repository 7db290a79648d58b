/**
 * The house's rules, checked by `npm run lint` (dependency-cruiser reads the imports; docs/architecture.md#rooms
 * says why the rooms are cut this way).
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A circle makes two modules one; cut it with a port or by moving the shared piece down.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'domain-imports-only-the-domain',
      severity: 'error',
      comment: 'The rules know nothing of HTTP, stores, handlers or AWS: adapters depend on the ports in domain/ports.ts, never the reverse.',
      from: { path: '^lambdas/domain/' },
      to: { pathNot: ['^lambdas/domain/', '^node_modules/@types/node/', '^node:'], dependencyTypesNot: ['core'] },
    },
    {
      name: 'http-does-not-reach-stores',
      severity: 'error',
      comment: 'Request reading and error shapes sit above the domain; they never talk to a store directly.',
      from: { path: '^lambdas/http/' },
      to: { path: '^lambdas/(stores|handlers)/' },
    },
    {
      name: 'deployed-code-never-imports-the-local-harness',
      severity: 'error',
      comment: 'local/ is never deployed; a function bundle that pulled it in would carry s3rver and DynamoDB Local startup.',
      from: { path: '^lambdas/' },
      to: { path: '^local/' },
    },
    {
      name: 'the-stack-bundles-handlers-and-never-imports-them',
      severity: 'error',
      comment: 'lib/ shares the route list, settings, limits and schemas; handler code reaches the stack only as bundles (lib/paths.ts).',
      from: { path: '^lib/' },
      to: { path: ['^lambdas/handlers/', '^lambdas/(attachment-)?deps\\.ts$'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['^cdk\\.out', '^\\.build'] },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
  },
};
