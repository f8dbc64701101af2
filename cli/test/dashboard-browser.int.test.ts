/**
 * The dashboard in real Chromium, against the Sluice broker with the simulator bridge, windowing, anomaly
 * and the dashboard itself running in-process: points appear and keep arriving, an injected spike shows as
 * an anomaly marker with its score and level on hover, every service shows online and a stopped one
 * offline, a group's ownership as its members report it, and the rate control changes the observed rate. Screenshots go to $SLUICE_SCREENSHOT_DIR
 * (default: the test's temporary directory). It runs the whole mesh, so it lives with the CLI's
 * end-to-end tests rather than in the dashboard package.
 */
import { join } from 'node:path'
import { encodeText, metricsTopic, type ServiceMetrics } from '@sluice/contract'
import { anomalyService } from '@sluice/anomaly'
import { startBroker, silentBrokerLogger, type RunningBroker } from '@sluice/broker'
import { dashboardService } from '@sluice/dashboard'
import { startService, type ServiceHandle } from '@sluice/mesh'
import {
  createSerialBridgeService,
  serialBridgeService,
  type SerialBridge,
  type SimSource,
} from '@sluice/serial-bridge'
import {
  buildDashboardPage,
  findProgram,
  freePort,
  launchChromium,
  tempDir,
  type BrowserContext,
  type Page,
  type TempDir,
} from '@sluice/testkit'
import { windowingService } from '@sluice/windowing'
import mqtt from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const chromiumBin = findProgram('chromium')

interface PageDebug {
  stats(): { received: number; sensors: number; charts: string[] }
  markers(key: string): { x: number; y: number; ev: { seq: number; kind: string; value: number } }[]
}
declare const window: { sluice: PageDebug; readonly innerWidth: number }
// The page's document, as the callbacks below use it in Chromium (the CLI is compiled without the DOM lib).
declare const document: {
  querySelector(selector: string): {
    getAttribute(name: string): string | null
    getBoundingClientRect(): { top: number; bottom: number; right: number }
    readonly textContent: string | null
  } | null
  readonly documentElement: { readonly scrollWidth: number }
}
/** A desktop screen: the page's three columns side by side (narrower screens stack them). */
const DESKTOP = { width: 1440, height: 900 }

describe.skipIf(!chromiumBin.available)('dashboard in Chromium', () => {
  let dir: TempDir
  let broker: RunningBroker
  const services: ServiceHandle<never>[] = []
  let windowing: ServiceHandle<never>
  let dashboard: ServiceHandle<never>
  let dashboardUrl: string
  let bridge: SerialBridge | undefined
  let browser: BrowserContext
  let page: Page
  /** Errors the page logged to its console, and uncaught ones. */
  const consoleErrors: string[] = []
  const shots = (): string => process.env.SLUICE_SCREENSHOT_DIR ?? dir.path

  async function start(def: unknown, instance: string, extra: Record<string, unknown> = {}) {
    const h = await startService(def as typeof windowingService, {
      argv: ['--broker', broker.url],
      overrides: { instance, logLevel: 'warn', ...extra },
    })
    services.push(h as unknown as ServiceHandle<never>)
    return h as unknown as ServiceHandle<never>
  }

  beforeAll(async () => {
    if (!chromiumBin.available) return
    dir = await tempDir('sluice-dashboard-')
    const publicDir = join(dir.path, 'public')
    await buildDashboardPage(publicDir)
    broker = await startBroker({ host: '127.0.0.1', port: 0, logger: silentBrokerLogger })
    windowing = await start(windowingService, 'w1')
    // z-score with a high alert level: the injected 300-unit spike stands out (z ≫ 6), the slow sine does
    // not, so no earlier event can debounce the spike's away.
    await start(anomalyService, 'a1', {
      detector: {
        name: 'zscore',
        window: 100,
        thresholds: { unusual: 2, veryUnusual: 3, alert: 6 },
      },
      // The first spike comes 5 s in: learn for 50 samples, not the default minute.
      learning: { samples: 50, ms: 0 },
    })
    const port = await freePort()
    dashboard = await start(dashboardService, 'd1', { port, publicDir })
    dashboardUrl = `http://127.0.0.1:${port}/`
    // Two simulated devices at 20 Hz; an anomaly every 100 samples, the first of them a spike (~2–4 s in).
    const bridgeDef = {
      ...serialBridgeService,
      create: (ctx: never) => (bridge = createSerialBridgeService(ctx)),
    }
    await start(bridgeDef, 'b1', {
      mode: 'sim',
      sim: { devices: 2, rateHz: 20, anomalyEvery: 100, spike: 300, amplitude: 40, periodMs: 8000 },
    })
    browser = await launchChromium(
      chromiumBin.path ?? '/usr/bin/chromium',
      join(dir.path, 'profile'),
    )
    page = await browser.newPage()
    await page.setViewportSize(DESKTOP)
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text())
    })
    page.on('pageerror', (e) => consoleErrors.push(String(e)))
    await page.goto(dashboardUrl)
  })

  afterAll(async () => {
    await browser?.close()
    for (const h of services.reverse()) await h.stop()
    await broker?.close()
    await dir?.remove()
  })

  it('connects, charts the first sensors, and points keep arriving', async () => {
    await page.waitForSelector('#conn[data-state="live"]')
    await page.waitForSelector('.chart[data-sensor="sim-1/light"]')
    await page.waitForFunction(
      () =>
        Number(
          document.querySelector('.chart[data-sensor="sim-1/light"]')?.getAttribute('data-points'),
        ) > 20,
    )
    const before = await page.evaluate(() => window.sluice.stats().received)
    await page.waitForFunction((n) => window.sluice.stats().received > n + 60, before)
    const points = await page.getAttribute('.chart[data-sensor="sim-1/light"]', 'data-points')
    expect(Number(points)).toBeGreaterThan(20)
    await expect(
      page.locator('tr[data-sensor="sim-2/light"] .last').textContent(),
    ).resolves.toMatch(/\d/)
    // A first look shows no error in the browser's console (a missing icon was a 404 there).
    expect(consoleErrors).toEqual([])
  })

  it('marks the injected spike on the chart, with score and level on hover', async () => {
    const injected = (bridge!.source as SimSource).simulator
      .injected()
      .find((a) => a.kind === 'spike' && a.device === 'sim-1' && a.channel === 'light')!
    expect(injected).toBeDefined()
    // The anomaly service's event for the injected sample (its seq), drawn as a marker on the chart.
    await page.waitForFunction(
      (seq) => window.sluice.markers('sim-1/light').some((m) => m.ev.seq === seq),
      injected.seq,
      { timeout: 20_000 },
    )
    // A 30 s span keeps the spike in view however long the tests before took (it comes ~5 s in); let the
    // newest data scroll the marker away from the plot's right edge, where the cursor would leave.
    await page.selectOption('#span', '30000')
    await page.waitForTimeout(3000)
    await page.click('#pause')
    // Let the last draw land, then hover the marker.
    await page.waitForTimeout(100)
    const marks = await page.evaluate(() => window.sluice.markers('sim-1/light'))
    const spike = marks.find((m) => m.ev.seq === injected.seq)!
    expect(spike.ev.kind).toBe('spike')
    await page.mouse.move(spike.x, spike.y)
    const tip = page.locator('.chart[data-sensor="sim-1/light"] .chart-tip')
    await tip.waitFor({ state: 'visible' })
    expect(await tip.textContent()).toMatch(/^spike · (very-)?unusual · score \d+\.\d\d/)
    expect(await tip.textContent()).toContain(`value ${spike.ev.value}`)
    await expect(
      page.locator('#anomalies li[data-sensor="sim-1/light"]', { hasText: 'spike' }).count(),
    ).resolves.toBeGreaterThan(0)
    await page.screenshot({ path: join(shots(), 'dashboard-anomaly.png') })
    await page.click('#pause')
    await page.mouse.move(0, 0)
  })

  it('fits a narrow screen: no sideways scrolling, charts within the screen, and on a phone one column', async () => {
    /** The page's layout at `width`: it never scrolls sideways, and the first chart fits the screen. */
    const at = async (width: number) => {
      await page.setViewportSize({ width, height: 800 })
      await page.waitForTimeout(300)
      const l = await page.evaluate(() => {
        const box = (sel: string): { top: number; bottom: number } => {
          const r = document.querySelector(sel)!.getBoundingClientRect()
          return { top: r.top, bottom: r.bottom }
        }
        const canvas = document.querySelector('.chart[data-sensor="sim-1/light"] canvas')!
        return {
          overflow: document.documentElement.scrollWidth - window.innerWidth,
          chartRight: canvas.getBoundingClientRect().right,
          sensors: box('.panel.sensors'),
          charts: box('.panel.charts'),
          pipeline: box('.panel.pipeline'),
        }
      })
      expect(l.overflow, `sideways scroll at ${String(width)} px`).toBeLessThanOrEqual(0)
      expect(l.chartRight).toBeLessThanOrEqual(width)
      return l
    }
    try {
      // Half a laptop's screen: sensors and charts side by side, the pipeline under them.
      const half = await at(1000)
      expect(half.charts.top).toBe(half.sensors.top)
      expect(half.pipeline.top).toBeGreaterThanOrEqual(half.charts.bottom)
      // A phone: one column.
      const phone = await at(400)
      expect(phone.charts.top).toBeGreaterThanOrEqual(phone.sensors.bottom)
      expect(phone.pipeline.top).toBeGreaterThanOrEqual(phone.charts.bottom)
    } finally {
      await page.setViewportSize(DESKTOP)
    }
  })

  it('shows every service online, and a stopped one offline', async () => {
    for (const id of ['serial-bridge/b1', 'windowing/w1', 'anomaly/a1', 'dashboard/d1']) {
      await page.waitForSelector(`#service-rows tr[data-service="${id}"][data-state="online"]`)
    }
    await page.waitForSelector('#hop-rows tr[data-hop="windowing/w1/raw"]')
    await page.selectOption('#span', '10000')
    await page.waitForTimeout(300)
    await page.screenshot({ path: join(shots(), 'dashboard-services.png') })
    await windowing.stop()
    await page.waitForSelector(
      '#service-rows tr[data-service="windowing/w1"][data-state="offline"]',
    )
    await page.waitForSelector('#service-rows tr[data-service="anomaly/a1"][data-state="online"]')
    await page.screenshot({ path: join(shots(), 'dashboard-offline.png') })
  })

  it('shows who owns what in a group: members, units owned, handovers, overlap and lost', async () => {
    // Two members' metrics as a group's instances publish them (issue 13), each under its own client id
    // so that the broker's ACL lets it publish its own `_sys` topics.
    const report = (instance: string, owned: number): ServiceMetrics => ({
      service: 'windowing',
      instance,
      t: Date.now(),
      hops: {},
      group: {
        group: 'windowing',
        generation: 5,
        members: [
          { instance: 'g1', weight: 1 },
          { instance: 'g2', weight: 1 },
        ],
        units: 4,
        owned,
        rebalances: 1,
        handovers: { sent: 1, received: 2, fresh: 0 },
        lastHandoverMs: 120,
        overlap: 3,
        lost: 0,
      },
    })
    for (const [instance, owned] of [
      ['g1', 1],
      ['g2', 3],
    ] as const) {
      const client = await mqtt.connectAsync(broker.url, {
        clientId: `sluice-windowing-${instance}`,
        reconnectPeriod: 0,
      })
      await client.publishAsync(
        metricsTopic('sluice', 'windowing', instance),
        encodeText(report(instance, owned)),
        { qos: 1 },
      )
      await client.endAsync()
    }
    // g1's report already lists g2 as a member: g2's row shows before its own report, with no figure.
    const member = '#group-rows tr[data-member="windowing/windowing/g2"]'
    await page.waitForFunction(
      (sel) => document.querySelector(`${sel} td.fill`)?.textContent === '3/4',
      member,
    )
    const heading = page.locator('#group-rows tr[data-group="windowing/windowing"]')
    expect(await heading.getAttribute('data-state')).toBe('settled')
    expect(await heading.textContent()).toContain(
      'windowing: 2 members · 4/4 units owned · generation 5 · 1 rebalance',
    )
    await page.screenshot({ path: join(shots(), 'dashboard-groups.png') })
  })

  it('changes the observed sampling rate of a device with the rate control', async () => {
    const rate = async (key: string) =>
      parseFloat((await page.locator(`tr[data-sensor="${key}"] .rate`).textContent()) ?? '0')
    expect(await rate('sim-1/light')).toBeLessThan(30)
    await page.selectOption('#rate-device', 'sim-1')
    await page.fill('#rate-hz', '60')
    await page.click('#rate-apply')
    await page.waitForSelector('#rate-result[data-ok="true"]')
    await page.waitForFunction(
      () =>
        parseFloat(
          document.querySelector('tr[data-sensor="sim-1/light"] .rate')?.textContent ?? '0',
        ) > 50,
      undefined,
      { timeout: 15_000 },
    )
    expect(await rate('sim-2/light')).toBeLessThan(30)
  })

  it('reconnects by itself when the dashboard server restarts', async () => {
    const port = Number(new URL(dashboardUrl).port)
    await dashboard.stop()
    await page.waitForSelector('#conn[data-state="reconnecting"]')
    dashboard = await start(dashboardService, 'd1', { port, publicDir: join(dir.path, 'public') })
    await page.waitForSelector('#conn[data-state="live"]', { timeout: 15_000 })
    const before = await page.evaluate(() => window.sluice.stats().received)
    await page.waitForFunction((n) => window.sluice.stats().received > n + 20, before)
  })
})
