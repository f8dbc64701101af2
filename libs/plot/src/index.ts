/**
 * @module @sluice/plot
 * Dependency-free SVG charts drawn from measured numbers: the benchmark plots of `docs/performance.md`
 * and the lab plots of `docs/lab.md`. One place, so the two never draw differently.
 */
export { barChart, formatSi, lineChart } from './svg.js'
export type { BarRow, LineChartOptions, LineSeries } from './svg.js'
