/**
 * @module test/helpers
 * What the dashboard's browser tests share: building the page into a temporary directory, the Sluice
 * broker and services started in-process on free ports, the dashboard with its URL, and a headless
 * Chromium with a fresh profile (Debian's /usr/bin/chromium; the tests skip without it, and fail under
 * SLUICE_REQUIRE_EXTERNAL=1).
 */
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { startService, type ServiceHandle } from '@sluice/mesh'
import { chromium, type BrowserContext } from 'playwright-core'
import { dashboardService, type DashboardService } from '../src/index.js'
import type { DashboardConfigSchema } from '../src/config.js'

const here = fileURLToPath(new URL('.', import.meta.url))

/** Chromium flags for a quiet, offline, headless run. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
]

/** Builds the page (bundle, styles, index.html) into `dir`. */
export async function buildPage(dir: string): Promise<void> {
  await promisify(execFile)(process.execPath, [join(here, '../build-browser.mjs'), dir])
}

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

/** Launches Chromium with a fresh profile in `profileDir`. */
export function launchChromium(
  executablePath: string,
  profileDir: string,
): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profileDir, {
    executablePath,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1600, height: 900 },
  })
}
