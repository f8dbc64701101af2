/**
 * @module dashboard-page
 * What a test of the dashboard's page needs besides the services: the page built into a directory of its
 * own (`services/dashboard/build-browser.mjs`: the bundle, styles and index.html), and a headless Chromium
 * with a fresh profile, quiet and offline. Chromium is the local binary (`findProgram('chromium')`, Debian's
 * /usr/bin/chromium); tests skip without it and fail under `SLUICE_REQUIRE_EXTERNAL=1`. The dashboard
 * itself is started by the test with `startService(dashboardService, …)`: testkit cannot depend on the
 * dashboard, which depends on it.
 */
import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { chromium, type BrowserContext } from 'playwright-core'

export type { BrowserContext, Page } from 'playwright-core'

/** Chromium flags for a quiet, offline, headless run. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
]

/** The repository root: the nearest directory above this file that holds `pnpm-workspace.yaml`. */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  while (!existsSync(join(dir, 'pnpm-workspace.yaml'))) {
    const parent = dirname(dir)
    if (parent === dir) throw new Error('testkit is not inside the Sluice repository')
    dir = parent
  }
  return dir
}

/**
 * Builds the dashboard's page (bundle, styles, index.html) into `dir`, for `publicDir` of the service.
 *
 * @example
 * ```ts
 * await buildDashboardPage(join(dir.path, 'public'))
 * ```
 */
export async function buildDashboardPage(dir: string): Promise<void> {
  const script = resolve(repoRoot(), 'services/dashboard/build-browser.mjs')
  await promisify(execFile)(process.execPath, [script, dir])
}

/**
 * Launches Chromium headless with a fresh profile in `profileDir`, 1600×900.
 *
 * @example
 * ```ts
 * const browser = await launchChromium(findProgram('chromium').path!, join(dir.path, 'profile'))
 * const page = await browser.newPage()
 * afterAll(() => browser.close())
 * ```
 */
export function launchChromium(
  executablePath: string,
  profileDir: string,
): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profileDir, {
    executablePath,
    headless: true,
    args: [...CHROMIUM_ARGS],
    viewport: { width: 1600, height: 900 },
  })
}
