import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Integration tests bind fixed loopback ports; run files one at a time per worker pool of 2.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
