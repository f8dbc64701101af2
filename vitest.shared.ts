import { defineConfig } from 'vitest/config'

/**
 * Shared vitest settings: tests import workspace packages straight from their TypeScript sources through
 * the `sluice-src` export condition, so a unit test never needs a prior build.
 */
export function sluiceVitestConfig(
  overrides: { testTimeout?: number; include?: string[]; maxWorkers?: number } = {},
) {
  return defineConfig({
    // Vite's own default conditions plus ours. Not 'import' on the server side: it would reach Node's
    // resolver and hand CommonJS requirers (mqtt.js → ws) an ESM wrapper.
    resolve: { conditions: ['sluice-src', 'module', 'browser', 'development|production'] },
    ssr: { resolve: { conditions: ['sluice-src', 'module', 'node', 'development|production'] } },
    test: {
      include: overrides.include ?? ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: overrides.testTimeout ?? 30_000,
      hookTimeout: 60_000,
      pool: 'forks',
      // Vitest's default is one worker on a 2-core machine. A package whose long files mostly wait (on
      // brokers, timers, child processes) sets 2 to run two files at once.
      ...(overrides.maxWorkers !== undefined ? { maxWorkers: overrides.maxWorkers } : {}),
    },
  })
}
