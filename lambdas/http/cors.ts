import type { MiddlewareObj, Request } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';

/** Request headers that the SDK clients and chatjs send (see API.md); a browser must be allowed to send them. */
export const CORS_ALLOW_HEADERS = [
  'content-type',
  'x-amz-bearer',
  'x-amz-user-agent',
  'x-amz-date',
  'x-amz-content-sha256',
  'authorization',
  'amz-sdk-invocation-id',
  'amz-sdk-request',
  'x-amz-security-token',
];
export const CORS_ALLOW_METHODS = ['GET', 'POST', 'PUT'];
/** Response headers the SDK reads: the error name comes from `x-amzn-ErrorType` first. */
export const CORS_EXPOSE_HEADERS = 'x-amzn-RequestId,x-amzn-ErrorType';
/** How long a browser may keep a preflight's answer. */
export const CORS_MAX_AGE_SECONDS = 3600;

/**
 * Which browser origins may call the API: `CORS_ALLOW_ORIGINS`, `*` (the default: every route is
 * authenticated by a signature or a bearer token, never by a cookie) or a comma-separated list of
 * origins. On AWS the gateway answers preflights (lib/chat-api.ts) and the functions add the response
 * headers; the local server does both with this.
 */
export class CorsPolicy {
  private readonly origins: string[];
  private readonly any: boolean;

  constructor(allowOrigins = process.env.CORS_ALLOW_ORIGINS ?? '*') {
    this.origins = allowOrigins
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean);
    this.any = this.origins.includes('*');
  }

  /** The origin to allow for a request from `origin`: `*`, that origin if listed, or none. */
  private allowed(origin: string | undefined): string | undefined {
    if (this.any) return '*';
    return origin && this.origins.includes(origin) ? origin : undefined;
  }

  /** What every response carries (errors too), so a browser page can read it and its error headers. */
  responseHeaders(origin: string | undefined): Record<string, string> {
    const allowed = this.allowed(origin);
    if (!allowed) return {};
    return { 'Access-Control-Allow-Origin': allowed, 'Access-Control-Expose-Headers': CORS_EXPOSE_HEADERS, ...(this.any ? {} : { Vary: 'Origin' }) };
  }

  /** The answer to a preflight (`OPTIONS`) from `origin`: nothing allowed for an origin not on the list. */
  preflightHeaders(origin: string | undefined): Record<string, string> {
    const allowed = this.allowed(origin);
    if (!allowed) return this.any ? {} : { Vary: 'Origin' };
    return {
      'Access-Control-Allow-Origin': allowed,
      'Access-Control-Allow-Methods': CORS_ALLOW_METHODS.join(','),
      'Access-Control-Allow-Headers': CORS_ALLOW_HEADERS.join(','),
      'Access-Control-Max-Age': String(CORS_MAX_AGE_SECONDS),
      ...(this.any ? {} : { Vary: 'Origin' }),
    };
  }
}

/**
 * CORS headers on every response, errors included: behind a REST API's proxy integration only the
 * function can add them, and a browser frontend (the SDK, chatjs) must read the error headers too.
 */
export function cors(policy = new CorsPolicy()): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context> {
  const addHeaders = (request: Request<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context>) => {
    if (!request.response) return;
    const headers = policy.responseHeaders(request.event.headers?.origin ?? request.event.headers?.Origin);
    if (Object.keys(headers).length) request.response.headers = { ...request.response.headers, ...headers };
  };
  return { after: addHeaders, onError: addHeaders };
}
