import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';

/**
 * The rooms of the house hold more than one thing each: a folder for a single file is a corridor a
 * reader walks for nothing (docs/architecture.md#rooms). Imports between rooms are held by
 * dependency-cruiser (.dependency-cruiser.cjs, run by `npm run lint`).
 */
const root = join(__dirname, '..', '..');
const tracked = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' })
  .split('\n')
  .filter((path) => path && !path.startsWith('.'));

/** What each folder directly holds: its files and its sub-folders. */
const rooms = new Map<string, Set<string>>();
for (const path of tracked) {
  for (let child = path, parent = dirname(path); parent !== '.'; child = parent, parent = dirname(parent)) {
    rooms.set(parent, (rooms.get(parent) ?? new Set()).add(child));
  }
}

test('the house has rooms to check', () => {
  expect(rooms.has('lambdas/domain')).toBe(true);
});

test.each([...rooms.keys()].sort())('%s holds more than one thing', (room) => {
  expect([...rooms.get(room)!]).toHaveLength(Math.max(2, rooms.get(room)!.size));
});
