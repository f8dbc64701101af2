/**
 * @module test/helpers
 * The dashboard started in-process through the real runtime, on a free port of 127.0.0.1, with its URL.
 * (The page build and Chromium are testkit's `buildDashboardPage` and `launchChromium`.)
 */
import { startService, type ServiceHandle } from '@sluice/mesh'
import { dashboardService, type DashboardService } from '../src/internal.js'
import type { DashboardConfigSchema } from '../src/config.js'

/** A dashboard started through the real runtime. */
export interface RunningDashboard {
  readonly handle: ServiceHandle<typeof DashboardConfigSchema>
  readonly url: string
}

/** Starts the dashboard on a free port of 127.0.0.1, serving the page from `publicDir`. */
export async function startDashboard(
  brokerUrl: string,
  publicDir: string,
  overrides: Record<string, unknown> = {},
): Promise<RunningDashboard> {
  let impl: DashboardService | undefined
  const handle = await startService(
    {
      ...dashboardService,
      create: (ctx) => (impl = dashboardService.create(ctx) as DashboardService),
    },
    {
      argv: ['--broker', brokerUrl],
      overrides: { instance: 'd1', port: 0, publicDir, logLevel: 'warn', ...overrides },
    },
  )
  return { handle, url: impl!.url! }
}
