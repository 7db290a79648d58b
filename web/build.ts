import { type BuildOptions, build, buildSync } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
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
  await build(pagesBuild(webDir, outDir));
  await Promise.all(STATIC.map((name) => copyFile(join(webDir, name), join(outDir, name))));
  return outDir;
}

/** The same, synchronously: the CDK's local bundling of the site's asset (lib/site.ts) cannot wait. */
export function buildWebSync(webDir: string, outDir: string): void {
  mkdirSync(outDir, { recursive: true });
  buildSync(pagesBuild(webDir, outDir));
  for (const name of STATIC) copyFileSync(join(webDir, name), join(outDir, name));
}

const pagesBuild = (webDir: string, outDir: string): BuildOptions => ({
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
