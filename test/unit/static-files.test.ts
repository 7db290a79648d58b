import { createServer, type Server } from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveStatic } from '../../local/static-files';

let root: string;
let server: Server;
let url: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'static-files-'));
  const web = join(root, 'web');
  mkdirSync(web);
  writeFileSync(join(web, 'index.html'), '<p>customer</p>');
  writeFileSync(join(web, 'agent.html'), '<p>agent</p>');
  writeFileSync(join(web, 'customer.js'), 'export {}');
  writeFileSync(join(root, 'secret.js'), 'outside');
  writeFileSync(join(web, 'notes.txt'), 'no known type');
  server = createServer((req, res) => {
    void serveStatic(req, res, web, new URL(req.url!, 'http://x').pathname, 'http://127.0.0.1:4569').then((served) => {
      if (!served) res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  rmSync(root, { recursive: true, force: true });
});

test('serves the pages by path and built files by name, with a restrictive CSP', async () => {
  const page = await fetch(`${url}/`);
  expect([page.status, await page.text(), page.headers.get('content-type')]).toEqual([200, '<p>customer</p>', 'text/html; charset=utf-8']);
  expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
  // The page talks to this server, and to the bucket for attachments (previews are blob: images).
  expect(page.headers.get('content-security-policy')).toContain("connect-src 'self' http://127.0.0.1:4569;");
  expect(page.headers.get('content-security-policy')).toContain("img-src 'self' data: blob:;");
  expect(await (await fetch(`${url}/agent`)).text()).toBe('<p>agent</p>');
  expect((await fetch(`${url}/customer.js`)).headers.get('content-type')).toBe('text/javascript; charset=utf-8');
});

test('serves nothing outside the folder, of an unknown type, or missing', async () => {
  for (const path of ['/../secret.js', '/%2e%2e/secret.js', '/..%2fsecret.js', '/notes.txt', '/missing.js', '/index.html/']) {
    expect([path, (await fetch(`${url}${path}`)).status]).toEqual([path, 404]);
  }
  expect((await fetch(`${url}/index.html`, { method: 'POST' })).status).toBe(404);
});
