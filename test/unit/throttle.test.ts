import { Throttle } from '../../local/throttle';

test('a token bucket: a burst, then the steady rate, per key', () => {
  let now = 0;
  const throttle = new Throttle(() => now);
  const limit = { rateLimit: 2, burstLimit: 3 };
  const burst = Array.from({ length: 5 }, () => throttle.allow('a', limit));
  expect(burst).toEqual([true, true, true, false, false]);
  expect(throttle.allow('b', limit)).toBe(true); // another client has its own bucket
  now += 499;
  expect(throttle.allow('a', limit)).toBe(false); // 0.998 tokens back: not yet one
  now += 1;
  expect(throttle.allow('a', limit)).toBe(true);
  now += 60_000; // a long quiet spell refills to the burst, no further
  expect(Array.from({ length: 4 }, () => throttle.allow('a', limit))).toEqual([true, true, true, false]);
});
