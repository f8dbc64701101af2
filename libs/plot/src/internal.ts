/**
 * @module @sluice/plot/internal
 * The public surface (`index.ts`) plus the internals that only this package's own tests reach, as
 * nats.js's `internal_mod.ts` does. Not a package export: other packages import `@sluice/plot`.
 */
export * from './index.js'
export type { BarRow, LineChartOptions } from './svg.js'
