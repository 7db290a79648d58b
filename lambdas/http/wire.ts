import type { Length } from '../domain/fields';

/** Member limits from the Connect and participant service models, shared by the handlers. */
export const limits = {
  instanceId: { min: 1, max: 100 },
  contactId: { min: 1, max: 256 },
  contactFlowId: { min: 1, max: 500 },
  queueId: { min: 1, max: 256 },
  userId: { min: 1, max: 256 },
  clientToken: { max: 500 },
  displayName: { min: 1, max: 256 },
  attributeKey: { min: 1, max: 32767 },
  attributeValue: { max: 32767 },
  contentType: { min: 1, max: 100 },
  content: { min: 1, max: 16384 },
  customerId: { min: 1, max: 128 },
  disconnectReasonCode: { min: 1, max: 256 },
  segmentAttributeKey: { min: 1, max: 128 },
  segmentAttributeValue: { max: 1024 },
} satisfies Record<string, Length>;

/** Connect API timestamps are epoch seconds, as JSON numbers. */
export const epochSeconds = (ms: number | undefined): number | undefined => (ms === undefined ? undefined : ms / 1000);

export const contactArn = (region: string, accountId: string, instanceId: string, contactId: string): string =>
  `arn:aws:connect:${region}:${accountId}:instance/${instanceId}/contact/${contactId}`;

/** The participant API's token: `X-Amz-Bearer`, 1 to 1000 characters. */
export function bearerToken(headers: Record<string, string>): string | undefined {
  const token = headers['x-amz-bearer'];
  return token && token.length <= 1000 ? token : undefined;
}
