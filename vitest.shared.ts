import { defineConfig } from 'vitest/config'

/**
 * Shared vitest settings: tests import workspace packages straight from their TypeScript sources through
 * the `sluice-src` export condition, so a unit test never needs a prior build.
 */
export function sluiceVitestConfig(overrides: { testTimeout?: number; include?: string[] } = {}) {
  return defineConfig({
    resolve: { conditions: ['sluice-src', 'import', 'module', 'node', 'default'] },
    ssr: { resolve: { conditions: ['sluice-src', 'import', 'node', 'default'] } },
    test: {
      include: overrides.include ?? ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: overrides.testTimeout ?? 30_000,
      hookTimeout: 60_000,
      pool: 'forks',
    },
  })
}
