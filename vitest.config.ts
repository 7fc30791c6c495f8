import { defineConfig } from 'vitest/config';

// Two projects: pure unit tests run with nothing started; integration tests share one real PostgreSQL and one
// real Temporal dev server brought up by the global setup (and torn down after).
export default defineConfig({
  // graphql ships both ESM (.mjs) and CommonJS; Pothos and yoga must share one copy or schema checks fail.
  resolve: { alias: { graphql: 'graphql/index.js' } },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
          // Some unit tests are CPU-bound (the rule grids run thousands of contacts through json-rules-engine): on a
          // shared 2-core machine, while the integration project starts its servers, 5 s is not always enough.
          testTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          globalSetup: ['tests/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
