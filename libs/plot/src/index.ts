/**
 * @module @sluice/plot
 * Dependency-free SVG charts drawn from measured numbers: the benchmark plots of `docs/performance.md`
 * and the lab plots of `docs/lab.md`. One place, so the two never draw differently.
 *
 * The public surface: only the names other packages (or this package's `main.ts`) import, checked by
 * `cli/test/surfaces.test.ts`. Internals live in their module files; this package's tests reach them
 * there or through `internal.ts` (index plus internals, as nats.js's `mod.ts` / `internal_mod.ts`).
 */
export { barChart, formatSi, lineChart } from './svg.js'
export type { LineSeries } from './svg.js'
