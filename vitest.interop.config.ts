import { defineConfig } from 'vitest/config';

// `npm run test:interop`: unitrack against the real OpenTelemetry Collector (built from Go modules
// by scripts/build-otelcol.sh) and the OpenTelemetry Python SDK. Each file skips with a reason when
// Go or Python is absent; one file at a time, since they start real processes on loopback.
export default defineConfig({
  test: {
    include: ['test/interop/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 1_200_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
