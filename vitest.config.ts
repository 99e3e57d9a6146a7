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
    // The pinned AWS SDK runs on Node 20; its notice about 2027 releases needing Node 22 is noise in test output.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
