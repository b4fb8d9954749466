import { defineConfig } from 'vitest/config';

// Tests start real services (etcd, dockerd, PostgreSQL...): give them time, and run files
// in parallel only as far as the 2-core CI machine allows.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    // Tests spawn bin/lifeboat.js, which runs dist/: build it first, so it is never stale.
    globalSetup: ['test/helpers/build-dist.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    fileParallelism: true,
    reporters: ['default'],
    // Colour on, so the tests can see that NO_COLOR (handled by our theme) really removes it; times
    // shown in UTC, so a screen reads the same on a machine in any zone.
    env: { FORCE_COLOR: '1', TZ: 'UTC' },
  },
});
