import { accessDenied, invalidParameter } from '../domain/errors';
import { LIMITS, QUOTAS } from '../domain/limits';
import type { SegmentAttributeValue } from '../domain/model';
import type { Fields } from './fields';

/** StartChatContact's SegmentAttributes, every kind of value the model allows. */
export function segmentAttributes(body: Fields): Record<string, SegmentAttributeValue> | undefined {
  const { entries, depth: maxDepth, jsonLength } = QUOTAS.SegmentAttributes;
  const read = (fields: Fields, depth: number): SegmentAttributeValue => {
    if (depth > maxDepth) throw invalidParameter(`SegmentAttributes nest at most ${maxDepth} levels`);
    const value: SegmentAttributeValue = {
      ValueString: fields.optionalString('ValueString', LIMITS.SegmentAttributeValueString),
      ValueArn: fields.optionalString('ValueArn', LIMITS.SegmentAttributeValueString),
      ValueInteger: fields.optionalInteger('ValueInteger', LIMITS.SegmentAttributeValueInteger),
      ValueMap: fields.optionalObjectMap('ValueMap', entries, LIMITS.SegmentAttributeName, (nested) => read(nested, depth + 1)),
      ValueList: fields.optionalObjectList('ValueList', entries, (nested) => read(nested, depth + 1)),
    };
    return Object.fromEntries(Object.entries(value).filter(([, member]) => member !== undefined));
  };
  const attributes = body.optionalObjectMap('SegmentAttributes', entries, LIMITS.SegmentAttributeName, (value) => read(value, 1));
  if (attributes && JSON.stringify(attributes).length > jsonLength) {
    throw invalidParameter(`SegmentAttributes must be at most ${jsonLength} characters as JSON`);
  }
  return attributes;
}

/** Connect API timestamps are epoch seconds, as JSON numbers. */
export const epochSeconds = (ms: number | undefined): number | undefined => (ms === undefined ? undefined : ms / 1000);

export const contactArn = (region: string, accountId: string, instanceId: string, contactId: string): string =>
  `arn:aws:connect:${region}:${accountId}:instance/${instanceId}/contact/${contactId}`;

/**
 * The participant API's token: `X-Amz-Bearer` (LIMITS.ParticipantToken); undefined when there is none. A
 * longer one is malformed, and refused as any token that is not good (the model's AccessDeniedException).
 */
export function bearerToken(headers: Record<string, string>): string | undefined {
  const token = headers['x-amz-bearer'];
  const { max } = LIMITS.ParticipantToken;
  if (token && token.length > max) throw accessDenied(`The X-Amz-Bearer token is malformed: longer than ${max} characters`);
  return token || undefined;
}
