import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type { RouteSpec } from '../lambdas/routes';

/**
 * The HTTP-to-API-Gateway adapter: turns a request into the REST API proxy event Lambda would get,
 * and the handler's result back into an HTTP response, so the local server runs the same handlers.
 */
export interface MatchedRoute<T> {
  spec: RouteSpec<string>;
  target: T;
  pathParameters: Record<string, string>;
}

export class Router<T> {
  private readonly routes: { spec: RouteSpec<string>; pattern: RegExp; names: string[]; target: T }[] = [];

  add(spec: RouteSpec<string>, target: T): void {
    const names: string[] = [];
    const source = spec.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{(\w+)\}/g, (_, name: string) => {
      names.push(name);
      return '([^/]+)';
    });
    this.routes.push({ spec, pattern: new RegExp(`^${source}$`), names, target });
  }

  /** The route for the path, and whether any route has this path under another method. */
  match(method: string, path: string): MatchedRoute<T> | 'method-not-allowed' | undefined {
    let pathMatched = false;
    for (const route of this.routes) {
      const m = route.pattern.exec(path);
      if (!m) continue;
      pathMatched = true;
      if (route.spec.method !== method) continue;
      try {
        const pathParameters = Object.fromEntries(route.names.map((name, i) => [name, decodeURIComponent(m[i + 1]!)]));
        return { spec: route.spec, target: route.target, pathParameters };
      } catch {
        return undefined; // a malformed percent-escape names no resource
      }
    }
    return pathMatched ? 'method-not-allowed' : undefined;
  }
}

export function toProxyEvent(req: IncomingMessage, url: URL, body: string, route: MatchedRoute<unknown>, requestId: string): APIGatewayProxyEvent {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    const value = req.rawHeaders[i + 1]!;
    headers[name] = value;
    multiValueHeaders[name] ??= [];
    multiValueHeaders[name].push(value);
  }
  const query = Object.fromEntries(url.searchParams);
  return {
    resource: route.spec.path,
    path: url.pathname,
    httpMethod: req.method ?? 'GET',
    headers,
    multiValueHeaders,
    queryStringParameters: Object.keys(query).length ? query : null,
    multiValueQueryStringParameters: null,
    pathParameters: Object.keys(route.pathParameters).length ? route.pathParameters : null,
    stageVariables: null,
    body: body.length ? body : null,
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      authorizer: null,
      httpMethod: req.method ?? 'GET',
      path: url.pathname,
      protocol: `HTTP/${req.httpVersion}`,
      requestId,
      requestTimeEpoch: Date.now(),
      resourceId: 'local',
      resourcePath: route.spec.path,
      stage: 'local',
      identity: {
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: req.headers['user-agent'] ?? null,
      } as APIGatewayProxyEvent['requestContext']['identity'],
    },
  };
}

export function lambdaContext(functionName: string, requestId: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export function writeResult(res: ServerResponse, result: APIGatewayProxyResult, extraHeaders: Record<string, string> = {}): void {
  const body = result.isBase64Encoded ? Buffer.from(result.body, 'base64') : Buffer.from(result.body ?? '');
  res.writeHead(result.statusCode, { ...extraHeaders, ...(result.headers as Record<string, string>), 'Content-Length': String(body.length) });
  res.end(body);
}

export const newRequestId = () => randomUUID();

/** Reads the whole body, refusing more than `limit` bytes and bytes that are not UTF-8 (JSON is UTF-8). */
export function readBody(req: IncomingMessage, limit: number): Promise<string | 'too-large' | 'not-utf8'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        resolve('too-large');
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      try {
        resolve(new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks)));
      } catch {
        resolve('not-utf8');
      }
    });
    req.on('error', reject);
  });
}

/** API Gateway refuses requests whose request line and headers exceed 10240 bytes. */
export const MAX_HEADER_BYTES = 10_240;

export function headerBytes(req: IncomingMessage): number {
  return req.rawHeaders.reduce((total, part) => total + Buffer.byteLength(part) + 2, (req.url ?? '').length);
}
