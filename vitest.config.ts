import { defineConfig } from 'vitest/config';

/**
 * Tests that stream audio in real time (a fake microphone feeding the console), and the watchdog
 * tests (a frozen loop must be halted within 300 ms), starve when other test files load the 2
 * cores: they run last, alone, after the rest of the suite.
 */
const REALTIME = [
  'test/ui/voice.e2e.test.ts',
  'test/robot-bridge/watchdog.test.ts',
  'test/robot-bridge/watchdog-trip-once.test.ts',
  'test/robot-bridge/ros/watchdog.contract.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The machine has 2 cores; MuJoCo-heavy files run best with few workers.
    maxWorkers: 2,
    // Real-time apps start a watchdog that halts a moving arm after 250 ms of a frozen event loop.
    // The loaded suite stalls loops that long without freezing them; 2 s keeps other tests'
    // motions from being halted. The watchdog's own tests pass their timeout explicitly.
    env: { SHAMMIE_WATCHDOG_MS: '2000' },
    projects: [
      { extends: true, test: { name: 'suite', include: ['test/**/*.test.ts'], exclude: REALTIME, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'realtime', include: REALTIME, fileParallelism: false, sequence: { groupOrder: 1 } } },
    ],
  },
});
