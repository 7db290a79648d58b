import type { MiddlewareObj, Request } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';

/**
 * CORS headers on every response, errors included: behind a REST API's proxy integration only the
 * function can add them, and a browser frontend (the SDK, chatjs) must read the error headers too.
 * `CORS_ALLOW_ORIGINS`: `*` (the default: every route is authenticated by a signature or a bearer
 * token, never by a cookie) or a comma-separated list of origins.
 */
export function cors(allowOrigins = process.env.CORS_ALLOW_ORIGINS ?? '*'): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context> {
  const origins = allowOrigins.split(',').map((origin) => origin.trim()).filter(Boolean);
  const any = origins.includes('*');
  const addHeaders = (request: Request<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context>) => {
    if (!request.response) return;
    const origin = request.event.headers?.origin ?? request.event.headers?.Origin;
    const allowed = any ? '*' : origin && origins.includes(origin) ? origin : undefined;
    if (!allowed) return;
    request.response.headers = {
      ...request.response.headers,
      'Access-Control-Allow-Origin': allowed,
      'Access-Control-Expose-Headers': 'x-amzn-RequestId,x-amzn-ErrorType',
      ...(any ? {} : { Vary: 'Origin' }),
    };
  };
  return { after: addHeaders, onError: addHeaders };
}
