/**
 * What the measured units cost on AWS, and what the stack meets at internet scale. Pure arithmetic on
 * the units the bench counts (bench/meter.ts); the prices are us-east-1 on-demand, first tier, as
 * docs/cost.md lists them with where and when they were read.
 */

/** What one operation (or a whole chat) uses of each billed service. */
export interface Units {
  /** DynamoDB read and write request units, as DynamoDB reports them (ReturnConsumedCapacity). */
  rru: number;
  wru: number;
  dynamodbRequests: number;
  /** S3 GET-class (GET, HEAD) and PUT-class (PUT, COPY) requests. */
  s3Get: number;
  s3Put: number;
  /** Bytes the operation left in the transcript bucket. */
  s3Bytes: number;
  /** API Gateway REST API requests. */
  restRequests: number;
  /** API Gateway WebSocket messages, both ways (a frame pushed with PostToConnection is one). */
  wsMessages: number;
  /** WebSocket connections opened (each runs $connect). */
  wsConnects: number;
  /** Of the messages, those the backend pushed (PostToConnection calls). */
  postToConnection: number;
  lambdaInvocations: number;
  /** Billed Lambda time, summed over the invocations. */
  lambdaMs: number;
}

export const NO_UNITS: Units = {
  rru: 0,
  wru: 0,
  dynamodbRequests: 0,
  s3Get: 0,
  s3Put: 0,
  s3Bytes: 0,
  restRequests: 0,
  wsMessages: 0,
  wsConnects: 0,
  postToConnection: 0,
  lambdaInvocations: 0,
  lambdaMs: 0,
};

export const addUnits = (a: Units, b: Units, times = 1): Units =>
  Object.fromEntries(Object.keys(NO_UNITS).map((key) => [key, a[key as keyof Units] + times * b[key as keyof Units]])) as unknown as Units;

export const scaleUnits = (units: Units, by: number): Units => addUnits(NO_UNITS, units, by);

/** us-east-1, on-demand, first pricing tier; docs/cost.md says where each was read, and when. */
export const PRICES = {
  lambdaArmGbSecond: 0.0000133334,
  lambdaRequest: 0.2 / 1e6,
  restRequest: 3.5 / 1e6,
  /** The stack's WAF web ACL inspects every REST request (on by default; `-c waf=false` leaves it out). */
  wafRequest: 0.6 / 1e6,
  wsMessage: 1.0 / 1e6,
  wsConnectionMinute: 0.25 / 1e6,
  dynamodbWru: 0.625 / 1e6,
  dynamodbRru: 0.125 / 1e6,
  dynamodbGbMonth: 0.25,
  s3Put: 0.005 / 1000,
  s3Get: 0.0004 / 1000,
  s3GbMonth: 0.023,
  /** Amazon Connect chat, per message. */
  connectMessage: 0.004,
} as const;

/** The functions' memory (lib/chat-function.ts: every function has 512 MB, on arm64). */
export const LAMBDA_MEMORY_MB = 512;

export interface Dollars {
  lambda: number;
  /** REST requests (with the WAF's inspection of each) and WebSocket messages. */
  apiGateway: number;
  dynamodb: number;
  s3: number;
  total: number;
}

/** The request-driven cost of the units (storage and connection minutes are priced by `storageDollars` and `connectionDollars`). */
export function dollars(units: Units, memoryMb = LAMBDA_MEMORY_MB): Dollars {
  const lambda = units.lambdaInvocations * PRICES.lambdaRequest + (units.lambdaMs / 1000) * (memoryMb / 1024) * PRICES.lambdaArmGbSecond;
  const apiGateway = units.restRequests * (PRICES.restRequest + PRICES.wafRequest) + units.wsMessages * PRICES.wsMessage;
  const dynamodb = units.wru * PRICES.dynamodbWru + units.rru * PRICES.dynamodbRru;
  const s3 = units.s3Put * PRICES.s3Put + units.s3Get * PRICES.s3Get;
  return { lambda, apiGateway, dynamodb, s3, total: lambda + apiGateway + dynamodb + s3 };
}

export const storageDollars = (s3Bytes: number, dynamodbBytes: number, months: number) =>
  months * ((s3Bytes / 2 ** 30) * PRICES.s3GbMonth + (dynamodbBytes / 2 ** 30) * PRICES.dynamodbGbMonth);

export const connectionDollars = (connectionMinutes: number) => connectionMinutes * PRICES.wsConnectionMinute;

/** A chat as the issue pictures it: so many messages, one transfer, started as a continuation of an earlier one. */
export interface ChatShape {
  messages: number;
  /** How long its sockets stay open; chatjs sends a heartbeat on each every 10 s. */
  minutes: number;
  /** Sockets open during the chat (the customer's and the agent's). */
  sockets: number;
  storageMonths: number;
}

export const TYPICAL_CHAT: ChatShape = { messages: 12, minutes: 10, sockets: 2, storageMonths: 1 };
/** chatjs' heartbeat period (amazon-connect-chatjs: `setInterval(…, 1e4)`), a frame and its answer per socket. */
export const HEARTBEAT_SECONDS = 10;

/** The operations a chat is made of, by name as the bench measures them. */
export type OperationName =
  | 'StartChatContact'
  | 'persistent continuation'
  | 'customer connects'
  | 'agent joins'
  | 'SendMessage, 1 recipient'
  | 'SendMessage, 2 recipients'
  | 'SendMessage, 3 recipients'
  | 'read receipt'
  | 'heartbeat'
  | 'GetTranscript page, active contact'
  | 'GetTranscript page, archived chat'
  | 'transfer'
  | 'end of chat';

export type OperationUnits = Record<OperationName, Units>;

/**
 * The operations of one chat of `shape`: a continuation of the customer's last chat, the customer and
 * an agent connecting (each reading a transcript page, as chatjs does when it loads), the messages
 * (each with its read receipt), one transfer (a second agent joins and reads a page), the end, and
 * the heartbeats of the sockets while open.
 */
export function chatOperations(shape: ChatShape): [OperationName, number][] {
  return [
    ['persistent continuation', 1],
    ['customer connects', 1],
    ['agent joins', 2],
    ['GetTranscript page, archived chat', 1],
    ['GetTranscript page, active contact', 2],
    ['SendMessage, 2 recipients', shape.messages],
    ['read receipt', shape.messages],
    ['transfer', 1],
    ['end of chat', 1],
    ['heartbeat', shape.sockets * shape.minutes * (60 / HEARTBEAT_SECONDS)],
  ];
}

export function chatUnits(ops: OperationUnits, shape: ChatShape): Units {
  return chatOperations(shape).reduce((sum, [name, count]) => addUnits(sum, ops[name], count), NO_UNITS);
}

export interface ChatCost extends Dollars {
  connectionMinutes: number;
  storage: number;
  perChat: number;
}

/** One chat's dollars: its requests, its sockets' minutes and `storageMonths` of what it left behind. */
export function chatCost(ops: OperationUnits, shape: ChatShape, dynamodbBytesLeft: number): ChatCost {
  const units = chatUnits(ops, shape);
  const requests = dollars(units);
  const connectionMinutes = connectionDollars(shape.sockets * shape.minutes);
  const storage = storageDollars(units.s3Bytes, dynamodbBytesLeft, shape.storageMonths);
  return { ...requests, connectionMinutes, storage, perChat: requests.total + connectionMinutes + storage };
}

/** AWS's default quotas the model checks against (us-east-1; each can be raised unless said otherwise). */
export const QUOTAS = {
  lambdaConcurrency: 1000,
  /** API Gateway: requests per second per account and Region, REST and WebSocket together. */
  apiGatewayRequestsPerSecond: 10_000,
  websocketNewConnectionsPerSecond: 500,
  /** DynamoDB on-demand: per table, and per partition (not raisable: spread the key instead). */
  dynamodbTableWruPerSecond: 40_000,
  dynamodbTableRruPerSecond: 40_000,
  dynamodbPartitionWruPerSecond: 1000,
  dynamodbPartitionRruPerSecond: 3000,
  /** API Gateway's WebSocket connections last at most 2 hours (not raisable): a longer chat reconnects. */
  websocketConnectionHours: 2,
} as const;

export interface Load {
  concurrentChats: number;
  messagesPerSecond: number;
  shape: ChatShape;
  /** The sweep index's shards per kind (lambdas/stores/dynamodb/keys.ts). */
  sweepShards: number;
}

export interface QuotaCheck {
  quota: string;
  needed: number;
  limit: number;
  /** needed / limit: above 1 the quota must be raised (or, for a per-partition limit, the key spread). */
  ratio: number;
}

export interface ScaleModel {
  chatsStartedPerSecond: number;
  perSecond: Units;
  lambdaConcurrency: number;
  checks: QuotaCheck[];
  monthly: ChatCost & { perMessage: number };
}

const SECONDS_PER_MONTH = 30 * 24 * 3600;
/** The typical chat's contacts: the one it starts with and the one its transfer starts. */
const CONTACTS_PER_CHAT = 2;

/**
 * The measured per-operation units replayed at `load`: chats start at the rate that keeps
 * `concurrentChats` going for `shape.minutes` each (Little's law), and `messagesPerSecond` overrides
 * the shape's messages (the chats at that load are busier or quieter than the typical one).
 */
export function scaleModel(ops: OperationUnits, load: Load, dynamodbBytesPerChat: number): ScaleModel {
  const chatsStartedPerSecond = load.concurrentChats / (load.shape.minutes * 60);
  const messagesPerChat = load.messagesPerSecond / chatsStartedPerSecond;
  const shape = { ...load.shape, messages: messagesPerChat };
  const perChat = chatUnits(ops, shape);
  const perSecond = scaleUnits(perChat, chatsStartedPerSecond);
  const lambdaConcurrency = perSecond.lambdaMs / 1000;
  // A chat's writes go to its own partition (CONTACT#<id>); its busiest moment is its messages.
  const perChatWru = (ops['SendMessage, 2 recipients'].wru * load.messagesPerSecond) / load.concurrentChats;
  // The busiest sweep shards are the ARCHIVE ones: each contact (two a chat, with its transfer) enters one when it
  // ends and leaves it when its archive is done, two index writes (the CHAT shards take one at a chat's start and end).
  const sweepShardWrites = (chatsStartedPerSecond * CONTACTS_PER_CHAT * 2) / load.sweepShards;
  const checks: QuotaCheck[] = [
    ['Lambda concurrent executions', lambdaConcurrency, QUOTAS.lambdaConcurrency],
    [
      'API Gateway requests per second (REST + WebSocket messages)',
      perSecond.restRequests + perSecond.wsMessages,
      QUOTAS.apiGatewayRequestsPerSecond,
    ],
    ['WebSocket new connections per second', perSecond.wsConnects, QUOTAS.websocketNewConnectionsPerSecond],
    ['DynamoDB table WRU per second', perSecond.wru, QUOTAS.dynamodbTableWruPerSecond],
    ['DynamoDB table RRU per second', perSecond.rru, QUOTAS.dynamodbTableRruPerSecond],
    ['DynamoDB partition WRU per second, one chat', perChatWru, QUOTAS.dynamodbPartitionWruPerSecond],
    ['DynamoDB partition WRU per second, one sweep shard', sweepShardWrites, QUOTAS.dynamodbPartitionWruPerSecond],
  ].map(([quota, needed, limit]) => ({
    quota: quota as string,
    needed: needed as number,
    limit: limit as number,
    ratio: (needed as number) / (limit as number),
  }));
  const month = chatCost(ops, shape, dynamodbBytesPerChat);
  const chatsPerMonth = chatsStartedPerSecond * SECONDS_PER_MONTH;
  const monthly = Object.fromEntries(Object.entries(month).map(([key, value]) => [key, value * chatsPerMonth])) as unknown as ChatCost;
  return {
    chatsStartedPerSecond,
    perSecond,
    lambdaConcurrency,
    checks,
    monthly: { ...monthly, perMessage: monthly.perChat / (load.messagesPerSecond * SECONDS_PER_MONTH) },
  };
}
