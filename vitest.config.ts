import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Each integration file starts its own local stack; a leftover java process would fail the no-orphan rule.
    teardownTimeout: 30_000,
  },
});
