/**
 * @module bench/lib/dashboard
 * The dashboard started in-process through the real runtime for the dashboard benchmarks: on a free port
 * of 127.0.0.1 (testkit's `freePort`), so its URL is known without reaching into the service.
 */
import { dashboardService } from '@sluice/dashboard'
import { startService } from '@sluice/mesh'
import { freePort } from '@sluice/testkit'

/** A dashboard running in this process. */
export interface BenchDashboard {
  /** `http://127.0.0.1:<port>/` */
  readonly url: string
  stop(): Promise<void>
}

/** Starts the dashboard against `brokerUrl`, serving the page from `publicDir`, with `overrides`. */
export async function startDashboard(
  brokerUrl: string,
  publicDir: string,
  overrides: Record<string, unknown> = {},
): Promise<BenchDashboard> {
  const port = await freePort()
  const handle = await startService(dashboardService, {
    argv: ['--broker', brokerUrl],
    overrides: { instance: 'bench', port, publicDir, logLevel: 'warn', ...overrides },
  })
  return {
    url: `http://127.0.0.1:${port}/`,
    stop: async () => {
      await handle.stop()
    },
  }
}
