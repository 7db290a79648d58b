import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
};

/** Pages by path; everything else is a file of the (flat) web build directory, by name. */
const PAGES: Record<string, string> = { '/': 'index.html', '/agent': 'agent.html' };

/**
 * The pages allow scripts, styles and connections (the API and its WebSocket) to this origin, and
 * connections to the bucket `fileOrigin` (attachments are PUT and GET at pre-signed URLs there);
 * images also from `blob:`, the previews of files fetched from the bucket.
 */
export const securityHeaders = (fileOrigin: string | undefined) => ({
  'Content-Security-Policy': `default-src 'self'; connect-src 'self'${fileOrigin ? ` ${fileOrigin}` : ''}; img-src 'self' data: blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'`,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-cache',
});

/** Serves a GET for the built web pages; false if there is no such file (the caller answers 404). */
export async function serveStatic(
  req: IncomingMessage,
  res: ServerResponse,
  webDir: string,
  pathname: string,
  fileOrigin?: string,
): Promise<boolean> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  // A plain file name only: no directories, so no way out of webDir.
  const name = PAGES[pathname] ?? (/^\/[A-Za-z0-9_-][A-Za-z0-9_.-]*$/.test(pathname) ? pathname.slice(1) : undefined);
  const type = name && CONTENT_TYPES[extname(name)];
  if (!name || !type) return false;
  let body: Buffer;
  try {
    body = await readFile(join(webDir, name));
  } catch {
    return false;
  }
  res.writeHead(200, { ...securityHeaders(fileOrigin), 'Content-Type': type, 'Content-Length': String(body.length) });
  res.end(req.method === 'HEAD' ? undefined : body);
  return true;
}
