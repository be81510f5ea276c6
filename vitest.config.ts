import { defineConfig } from 'vitest/config';

/**
 * Tests that stream audio in real time (a fake microphone feeding the console) starve when
 * other test files load the 2 cores: they run last, alone, after the rest of the suite.
 */
const REALTIME = ['test/ui/voice.e2e.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The machine has 2 cores; MuJoCo-heavy files run best with few workers.
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'suite', include: ['test/**/*.test.ts'], exclude: REALTIME, sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'realtime', include: REALTIME, fileParallelism: false, sequence: { groupOrder: 1 } } },
    ],
  },
});
