import { accessDenied, invalidParameter } from '../domain/errors';
import type { Fields, Length } from './fields';
import type { SegmentAttributeValue } from '../domain/model';

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
  attachmentId: { min: 1, max: 256 },
  attachmentName: { min: 1, max: 256 },
  attachmentContentType: { min: 1, max: 255 },
  requiredClientToken: { min: 1, max: 500 },
} satisfies Record<string, Length>;

/**
 * Our bounds on SegmentAttributes, where the model sets none: entries per map or list, nesting, and the
 * whole as JSON (the contact's DynamoDB item holds them). Connect's own `connect:` attributes fit easily.
 */
export const SEGMENT_ATTRIBUTES = { maxEntries: 50, maxDepth: 3, maxJsonLength: 32_768 } as const;

/** StartChatContact's SegmentAttributes, every kind of value the model allows. */
export function segmentAttributes(body: Fields): Record<string, SegmentAttributeValue> | undefined {
  const read = (fields: Fields, depth: number): SegmentAttributeValue => {
    if (depth > SEGMENT_ATTRIBUTES.maxDepth) throw invalidParameter(`SegmentAttributes nest at most ${SEGMENT_ATTRIBUTES.maxDepth} levels`);
    const value: SegmentAttributeValue = {
      ValueString: fields.optionalString('ValueString', limits.segmentAttributeValue),
      ValueArn: fields.optionalString('ValueArn', limits.segmentAttributeValue),
      ValueInteger: fields.optionalInteger('ValueInteger', { min: -(2 ** 31), max: 2 ** 31 - 1 }),
      ValueMap: fields.optionalObjectMap('ValueMap', SEGMENT_ATTRIBUTES.maxEntries, limits.segmentAttributeKey, (nested) => read(nested, depth + 1)),
      ValueList: fields.optionalObjectList('ValueList', SEGMENT_ATTRIBUTES.maxEntries, (nested) => read(nested, depth + 1)),
    };
    return Object.fromEntries(Object.entries(value).filter(([, member]) => member !== undefined));
  };
  const attributes = body.optionalObjectMap('SegmentAttributes', SEGMENT_ATTRIBUTES.maxEntries, limits.segmentAttributeKey, (value) =>
    read(value, 1),
  );
  if (attributes && JSON.stringify(attributes).length > SEGMENT_ATTRIBUTES.maxJsonLength) {
    throw invalidParameter(`SegmentAttributes must be at most ${SEGMENT_ATTRIBUTES.maxJsonLength} characters as JSON`);
  }
  return attributes;
}

/** Connect API timestamps are epoch seconds, as JSON numbers. */
export const epochSeconds = (ms: number | undefined): number | undefined => (ms === undefined ? undefined : ms / 1000);

export const contactArn = (region: string, accountId: string, instanceId: string, contactId: string): string =>
  `arn:aws:connect:${region}:${accountId}:instance/${instanceId}/contact/${contactId}`;

const MAX_BEARER_LENGTH = 1000;

/**
 * The participant API's token: `X-Amz-Bearer`, 1 to 1000 characters; undefined when there is none. A
 * longer one is malformed, and refused as any token that is not good (the model's AccessDeniedException).
 */
export function bearerToken(headers: Record<string, string>): string | undefined {
  const token = headers['x-amz-bearer'];
  if (token && token.length > MAX_BEARER_LENGTH)
    throw accessDenied(`The X-Amz-Bearer token is malformed: longer than ${MAX_BEARER_LENGTH} characters`);
  return token || undefined;
}
