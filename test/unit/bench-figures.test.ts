import {
  addUnits,
  chatCost,
  chatOperations,
  dollars,
  HEARTBEAT_SECONDS,
  NO_UNITS,
  type OperationName,
  type OperationUnits,
  PRICES,
  scaleModel,
  TYPICAL_CHAT,
  type Units,
} from '../../bench/cost';
import { percentile, percentiles } from '../../bench/stats';
import { chartSvg, decadeTicks, escapeXml, niceTicks } from '../../bench/svg';

describe('percentiles (nearest rank)', () => {
  test('each is a measured sample: the smallest with at least q of the samples at or below it', () => {
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([0.5, 0.95, 0.99, 1].map((q) => percentile(hundred, q))).toEqual([50, 95, 99, 100]);
    expect(percentile([7], 0.99)).toBe(7);
    expect(percentile([1, 2, 3], 0.5)).toBe(2);
    expect(percentile([], 0.5)).toBeNaN();
  });

  test('unsorted samples are sorted first, and not changed', () => {
    const samples = [30, 10, 20, 40];
    expect(percentiles(samples)).toEqual({ n: 4, p50: 20, p95: 40, p99: 40, max: 40 });
    expect(samples).toEqual([30, 10, 20, 40]);
  });
});

const units = (partial: Partial<Units>): Units => ({ ...NO_UNITS, ...partial });

describe('the cost model', () => {
  test('dollars per service from units at the listed prices', () => {
    const cost = dollars(units({ rru: 4, wru: 2, s3Get: 1, s3Put: 1, restRequests: 1, wsMessages: 2, lambdaInvocations: 1, lambdaMs: 100 }), 512);
    expect(cost.dynamodb).toBeCloseTo(4 * 0.125e-6 + 2 * 0.625e-6, 15);
    expect(cost.s3).toBeCloseTo(0.005 / 1000 + 0.0004 / 1000, 15);
    expect(cost.apiGateway).toBeCloseTo(3.5e-6 + 0.6e-6 + 2e-6, 15);
    // 100 ms at 0.5 GB is 0.05 GB-s.
    expect(cost.lambda).toBeCloseTo(0.2e-6 + 0.05 * 0.0000133334, 15);
    expect(cost.total).toBeCloseTo(cost.dynamodb + cost.s3 + cost.apiGateway + cost.lambda, 15);
  });

  const names: OperationName[] = [
    'StartChatContact',
    'persistent continuation',
    'customer connects',
    'agent joins',
    'SendMessage, 1 recipient',
    'SendMessage, 2 recipients',
    'SendMessage, 3 recipients',
    'read receipt',
    'heartbeat',
    'GetTranscript page, active contact',
    'GetTranscript page, archived chat',
    'transfer',
    'end of chat',
  ];
  /** Each operation one REST request, except the heartbeat: one WebSocket message. */
  const ops = Object.fromEntries(
    names.map((name) => [
      name,
      name === 'heartbeat' ? units({ wsMessages: 1 }) : units({ restRequests: 1, wru: name === 'SendMessage, 2 recipients' ? 3 : 0 }),
    ]),
  ) as OperationUnits;

  test('a chat is its operations: messages with receipts, and a heartbeat per socket every 10 s', () => {
    const shape = { ...TYPICAL_CHAT, messages: 12, minutes: 10, sockets: 2 };
    const counts = Object.fromEntries(chatOperations(shape));
    expect(counts['SendMessage, 2 recipients']).toBe(12);
    expect(counts['read receipt']).toBe(12);
    expect(counts.heartbeat).toBe(2 * 10 * (60 / HEARTBEAT_SECONDS));
    const cost = chatCost(ops, shape, 0);
    const restCalls = chatOperations(shape).reduce((sum, [name, count]) => sum + (name === 'heartbeat' ? 0 : count), 0);
    expect(cost.apiGateway).toBeCloseTo(restCalls * (PRICES.restRequest + PRICES.wafRequest) + counts.heartbeat * PRICES.wsMessage, 12);
    expect(cost.connectionMinutes).toBeCloseTo(20 * PRICES.wsConnectionMinute, 15);
  });

  test('the scale model: chats start by Little’s law, and a quota is flagged when the load passes it', () => {
    const shape = { ...TYPICAL_CHAT, minutes: 10 };
    const model = scaleModel(ops, { concurrentChats: 600_000, messagesPerSecond: 6000, shape, sweepShards: 8 }, 0);
    expect(model.chatsStartedPerSecond).toBeCloseTo(1000, 9);
    // 6,000 messages a second at 3 WRU each.
    expect(model.perSecond.wru).toBeCloseTo(18_000, 6);
    const table = model.checks.find((check) => check.quota.startsWith('DynamoDB table WRU'))!;
    expect(table.ratio).toBeCloseTo(18_000 / 40_000, 9);
    // Every contact's archive entry goes in and out of one of 8 shards: 1,000 chats × 2 contacts × 2 writes / 8.
    expect(model.checks.find((check) => check.quota.includes('sweep shard'))!.needed).toBeCloseTo(500, 9);
    const apiGateway = model.checks.find((check) => check.quota.startsWith('API Gateway requests'))!;
    expect(apiGateway.ratio).toBeGreaterThan(1);
    // A month of it is the per-chat cost times the chats of a month.
    const perChat = chatCost(ops, { ...shape, messages: 6 }, 0).perChat;
    expect(model.monthly.perChat).toBeCloseTo(perChat * 1000 * 30 * 24 * 3600, 3);
  });

  test('adding units adds every field', () => {
    expect(addUnits(units({ rru: 1, wsMessages: 2 }), units({ rru: 2, lambdaMs: 5 }), 3)).toEqual(units({ rru: 7, wsMessages: 2, lambdaMs: 15 }));
  });
});

describe('the SVG chart', () => {
  test('a line per series, a point per value, on a log scale evenly by decade', () => {
    const svg = chartSvg([
      {
        title: 'Push <latency> & more',
        xLabel: 'chats',
        yLabel: 'ms',
        logX: true,
        series: [
          {
            name: 'p50',
            points: [
              [1, 5],
              [10, 8],
              [100, 20],
            ],
          },
          {
            name: 'p99',
            points: [
              [1, 9],
              [10, 15],
              [100, 60],
            ],
          },
        ],
        goal: { y: 50, label: 'goal' },
      },
    ]);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('<title>Push &lt;latency&gt; &amp; more</title>');
    expect(svg).not.toContain('NaN');
    const lines = [...svg.matchAll(/<polyline[^>]*points="([^"]*)"/g)].map((m) => m[1]!.split(' ').map((p) => p.split(',').map(Number)));
    expect(lines).toHaveLength(2);
    const xs = lines[0]!.map(([x]) => x!);
    expect(xs).toHaveLength(3);
    expect(xs[1]! - xs[0]!).toBeCloseTo(xs[2]! - xs[1]!, 0);
    // Larger values are drawn higher (smaller y).
    expect(lines[1]![2]![1]!).toBeLessThan(lines[1]![0]![1]!);
  });

  test('on a log y axis, each decade is as tall as the next, and values of 0 are left out', () => {
    const svg = chartSvg([
      {
        title: 't',
        xLabel: 'chats',
        yLabel: 'ms',
        logX: true,
        logY: true,
        series: [
          {
            name: 'p99',
            points: [
              [1, 10],
              [10, 100],
              [100, 1000],
              [1000, 0],
            ],
          },
        ],
      },
    ]);
    expect(svg).not.toContain('NaN');
    const [line] = [...svg.matchAll(/<polyline[^>]*points="([^"]*)"/g)].map((m) => m[1]!.split(' ').map((p) => p.split(',').map(Number)));
    expect(line).toHaveLength(3);
    const ys = line!.map(([, y]) => y!);
    expect(ys[0]! - ys[1]!).toBeCloseTo(ys[1]! - ys[2]!, 0);
    expect(ys[0]! - ys[1]!).toBeGreaterThan(0);
  });

  test('empty and non-finite series draw nothing and break nothing', () => {
    const svg = chartSvg([
      {
        title: 't',
        xLabel: 'x',
        yLabel: 'y',
        logX: true,
        series: [
          { name: 'none', points: [] },
          {
            name: 'bad',
            points: [
              [0, 1],
              [10, Number.NaN],
            ],
          },
        ],
      },
    ]);
    expect(svg).not.toContain('<polyline');
    expect(svg).not.toContain('NaN');
  });

  test('ticks: round steps up to the maximum, decades across the range', () => {
    expect(niceTicks(47)).toEqual([0, 10, 20, 30, 40, 50]);
    expect(niceTicks(0)).toEqual([0, 1]);
    expect(decadeTicks(1, 100)).toEqual([1, 10, 100]);
    expect(escapeXml('a<b>&"c"')).toBe('a&lt;b&gt;&amp;&quot;c&quot;');
  });
});
