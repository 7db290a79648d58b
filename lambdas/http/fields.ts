import { invalidParameter } from '../domain/errors';
import type { Length, Range } from '../domain/limits';

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Map keys that JavaScript objects cannot hold as plain data on the way to the store and back: the
 * SDK's DynamoDB marshaller turns a `__proto__` key into a prototype and takes an object with a
 * `constructor` key for a class instance. Refused in every map member rather than stored changed.
 */
const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor']);

/** A UTF-16 surrogate without its other half: no UTF-8 (DynamoDB, S3, the wire) can carry it. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * A typed reader over a parsed JSON request body. Each accessor checks one member the way the
 * service model constrains it and throws `InvalidParameter` naming the member, so handlers read
 * their input in one pass and never touch an unchecked value.
 */
export class Fields {
  private constructor(
    private readonly value: Json,
    private readonly path: string,
  ) {}

  static of(body: unknown, path = ''): Fields {
    if (!isObject(body)) throw invalidParameter(path ? `${path} must be an object` : 'The request body must be a JSON object');
    return new Fields(body, path);
  }

  private name(member: string): string {
    return this.path ? `${this.path}.${member}` : member;
  }

  has(member: string): boolean {
    return this.value[member] !== undefined && this.value[member] !== null;
  }

  private raw(member: string): unknown {
    const value = this.value[member];
    return value === null ? undefined : value;
  }

  optionalString(member: string, length: Length, pattern?: RegExp): string | undefined {
    const value = this.raw(member);
    if (value === undefined) return undefined;
    const name = this.name(member);
    if (typeof value !== 'string') throw invalidParameter(`${name} must be a string`);
    checkString(name, value, length);
    if (pattern && !pattern.test(value)) throw invalidParameter(`${name} has an invalid format`);
    return value;
  }

  string(member: string, length: Length, pattern?: RegExp): string {
    const value = this.optionalString(member, length, pattern);
    if (value === undefined) throw invalidParameter(`${this.name(member)} is required`);
    return value;
  }

  optionalEnum<T extends string>(member: string, values: readonly T[]): T | undefined {
    const value = this.raw(member);
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || !(values as readonly string[]).includes(value)) {
      throw invalidParameter(`${this.name(member)} must be one of ${values.join(', ')}`);
    }
    return value as T;
  }

  enum<T extends string>(member: string, values: readonly T[]): T {
    const value = this.optionalEnum(member, values);
    if (value === undefined) throw invalidParameter(`${this.name(member)} is required`);
    return value;
  }

  optionalInteger(member: string, range: Range): number | undefined {
    const value = this.raw(member);
    if (value === undefined) return undefined;
    const name = this.name(member);
    if (typeof value !== 'number' || !Number.isInteger(value)) throw invalidParameter(`${name} must be an integer`);
    if (value < range.min || value > range.max) {
      throw invalidParameter(`${name} must be between ${range.min} and ${range.max}`);
    }
    return value;
  }

  integer(member: string, range: Range): number {
    const value = this.optionalInteger(member, range);
    if (value === undefined) throw invalidParameter(`${this.name(member)} is required`);
    return value;
  }

  optionalBoolean(member: string): boolean | undefined {
    const value = this.raw(member);
    if (value === undefined) return undefined;
    if (typeof value !== 'boolean') throw invalidParameter(`${this.name(member)} must be a boolean`);
    return value;
  }

  optionalObject(member: string): Fields | undefined {
    const value = this.raw(member);
    return value === undefined ? undefined : Fields.of(value, this.name(member));
  }

  object(member: string): Fields {
    const value = this.optionalObject(member);
    if (!value) throw invalidParameter(`${this.name(member)} is required`);
    return value;
  }

  /** A list member's items, unchecked, once the list itself is checked: a list, of an allowed length. */
  private list(member: string, { min: minItems = 0, max: maxItems }: Length): { name: string; items: unknown[] } | undefined {
    const value = this.raw(member);
    if (value === undefined) return undefined;
    const name = this.name(member);
    if (!Array.isArray(value)) throw invalidParameter(`${name} must be a list`);
    if (value.length > maxItems) throw invalidParameter(`${name} has more than ${maxItems} items`);
    if (value.length < minItems) throw invalidParameter(`${name} must have at least ${minItems} item${minItems === 1 ? '' : 's'}`);
    return { name, items: value };
  }

  optionalStringList(member: string, items: Length, item: Length): string[] | undefined {
    const list = this.list(member, items);
    if (!list) return undefined;
    const { name } = list;
    return list.items.map((value, index) => {
      if (typeof value !== 'string') throw invalidParameter(`${name}[${index}] must be a string`);
      checkString(`${name}[${index}]`, value, item);
      return value;
    });
  }

  stringList(member: string, items: Length, item: Length): string[] {
    const value = this.optionalStringList(member, items, item);
    if (value === undefined) throw invalidParameter(`${this.name(member)} is required`);
    return value;
  }

  /** A list of the given values; as the models' lists of enums, at least one item when present, none longer than the longest value. */
  optionalEnumList<T extends string>(member: string, values: readonly T[]): T[] | undefined {
    const longest = Math.max(...values.map((value) => value.length));
    const list = this.optionalStringList(member, { min: 1, max: values.length }, { min: 1, max: longest });
    const unknown = list?.find((value) => !(values as readonly string[]).includes(value));
    if (unknown !== undefined) throw invalidParameter(`${this.name(member)} must contain only ${values.join(', ')}`);
    return list as T[] | undefined;
  }

  /** A map of string to string, such as contact attributes; how much it may hold in all is the domain's quota (QUOTAS), checked there. */
  optionalStringMap(member: string, limits: { key: Length; value: Length }): Record<string, string> | undefined {
    const value = this.raw(member);
    if (value === undefined) return undefined;
    const name = this.name(member);
    if (!isObject(value)) throw invalidParameter(`${name} must be a map of strings`);
    const entries = Object.entries(value);
    for (const [key, item] of entries) {
      checkKey(name, key, limits.key);
      if (typeof item !== 'string') throw invalidParameter(`${name}.${key} must be a string`);
      checkString(`${name}.${key}`, item, limits.value);
    }
    return Object.fromEntries(entries) as Record<string, string>;
  }

  /** A list whose items are objects, read by `read`. */
  optionalObjectList<T>(member: string, maxItems: number, read: (fields: Fields) => T): T[] | undefined {
    const list = this.list(member, { max: maxItems });
    return list?.items.map((item, index) => read(Fields.of(item, `${list.name}[${index}]`)));
  }

  /** A map whose values are objects, read by `read` (for example SegmentAttributes). */
  optionalObjectMap<T>(member: string, maxEntries: number, key: Length, read: (fields: Fields) => T): Record<string, T> | undefined {
    const value = this.raw(member);
    if (value === undefined) return undefined;
    const name = this.name(member);
    if (!isObject(value)) throw invalidParameter(`${name} must be a map`);
    const entries = Object.entries(value);
    if (entries.length > maxEntries) throw invalidParameter(`${name} has more than ${maxEntries} entries`);
    return Object.fromEntries(
      entries.map(([k, v]) => {
        checkKey(name, k, key);
        return [k, read(Fields.of(v, `${name}.${k}`))];
      }),
    );
  }
}

/** A key of the map member `name`: not reserved, well-formed, of an allowed length. */
function checkKey(name: string, key: string, length: Length): void {
  if (RESERVED_KEYS.has(key)) throw invalidParameter(`${name} cannot have the key ${key}`);
  checkString(`${name} key`, key, length);
}

/** A string member or map key: well-formed Unicode, of an allowed length. */
function checkString(name: string, value: string, length: Length): void {
  if (LONE_SURROGATE.test(value)) throw invalidParameter(`${name} is not well-formed Unicode: it holds a lone surrogate`);
  const min = length.min ?? 0;
  if (value.length < min) {
    throw invalidParameter(min === 1 ? `${name} must not be empty` : `${name} must be at least ${min} characters`);
  }
  if (value.length > length.max) throw invalidParameter(`${name} must be at most ${length.max} characters`);
}
