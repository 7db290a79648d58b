import { accessDenied } from '../domain/errors';
import { QUOTAS } from '../domain/limits';
import type { SignedInAgent } from '../domain/routing';

/**
 * The agent API's caller. On AWS, API Gateway's Cognito authorizer checks the access token (signature,
 * issuer, expiry, the `openid` scope) and hands the handler its claims; locally the local server checks
 * them the same way against its OpenID Connect provider (local/oidc.ts). Either way the handler reads
 * the agent from Cognito's claims: `username`, and `cognito:groups` as the agent's queues.
 */
export interface AgentClaims {
  username?: unknown;
  'cognito:groups'?: unknown;
  [claim: string]: unknown;
}

/** The scope the agent routes require of an access token (the authorizer's authorization scopes). */
export const AGENT_SCOPE = 'openid';

/**
 * The groups claim as it arrives: a list (a decoded JWT), or a string from the REST API's Cognito
 * authorizer, which flattens lists (`support,billing`, or `[support billing]`).
 */
function groups(claim: unknown): string[] {
  if (Array.isArray(claim)) return claim.filter((group): group is string => typeof group === 'string');
  if (typeof claim !== 'string') return [];
  return claim
    .replace(/^\[|\]$/g, '')
    .split(/[,\s]+/)
    .filter(Boolean);
}

export function signedInAgent(claims: AgentClaims | undefined): SignedInAgent {
  const username = claims?.username;
  if (typeof username !== 'string' || !username) throw accessDenied('The agent token names no username');
  return { username, queues: groups(claims?.['cognito:groups']).slice(0, QUOTAS.AgentQueues) };
}
