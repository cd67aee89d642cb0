import { defineConfig } from 'vitest/config';

// `npm run test:reliability`: the long versions (UNITRACK_RELIABILITY=full) of the load, fault,
// hostile-input and security suites, one file at a time so load tests do not compete.
export default defineConfig({
  test: {
    include: [
      'test/reliability/**/*.test.ts',
      'test/security/**/*.test.ts',
      'test/webhook/**/*.test.ts',
      'test/exporters/jsonfile.test.ts',
    ],
    testTimeout: 1_800_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
    globalSetup: ['test/reliability/summary.ts'],
  },
});
