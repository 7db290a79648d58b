import { build } from 'esbuild';
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';

const STATIC = ['index.html', 'agent.html', 'style.css'];

/**
 * Builds the pages from `webDir` (this folder) into `outDir`, flat, as the local server serves files
 * by name: the customer page and the local agent page, each one minified ES module with the
 * participant SDK's browser build inside. Takes its folder as an argument because it also runs
 * bundled into `.build/local.cjs`, where `__dirname` is not this folder.
 */
export async function buildWeb(webDir: string, outDir: string): Promise<string> {
  await mkdir(outDir, { recursive: true });
  await build({
    entryPoints: { customer: join(webDir, 'src/customer.ts'), agent: join(webDir, 'src/agent.ts') },
    outdir: outDir,
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: ['es2022'],
    minify: true,
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  await Promise.all(STATIC.map((name) => copyFile(join(webDir, name), join(outDir, name))));
  return outDir;
}
