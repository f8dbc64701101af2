/**
 * @module @sluice/testkit
 * Test helpers (dev dependency only, DESIGN.md §13): free ports, temporary directories, waiting,
 * collecting MQTT messages, finding outside programs (skip when missing, fail under
 * `SLUICE_REQUIRE_EXTERNAL=1`), a stock Aedes broker in-process, launchers for mosquitto, nats-server
 * (one, or a JetStream cluster), influxd and socat pty pairs, a line-protocol device for a pty, the
 * dashboard's page with a headless Chromium, a Prometheus text parser, a private TLS CA, two network
 * namespaces joined by a veth pair, and a TCP proxy whose connections a test can cut.
 * The embedded Sluice broker is started with `startBroker({ port: 0 })` from `@sluice/broker` directly:
 * testkit does not depend on it, which would close a build cycle (broker → mesh → testkit).
 *
 * The public surface: only the names other packages (or this package's `main.ts`) import, checked by
 * `cli/test/surfaces.test.ts`. Internals live in their module files; this package's tests reach them
 * there or through `internal.ts` (index plus internals, as nats.js's `mod.ts` / `internal_mod.ts`).
 */
export { freePort } from './free-port.js'
export { tempDir } from './temp-dir.js'
export type { TempDir } from './temp-dir.js'
export { waitFor } from './wait-for.js'
export { collectMessages } from './collect-messages.js'
export type { MessageCollector } from './collect-messages.js'
export { requireProgram, findProgram, externalRequired, KNOWN_PROGRAMS } from './external.js'
export type { ProgramLookup } from './external.js'
export { startProcess } from './process.js'
export type { RunningProcess } from './process.js'
export { startAedes } from './aedes.js'
export type { RunningAedes } from './aedes.js'
export { startMosquitto } from './mosquitto.js'
export type { RunningMosquitto } from './mosquitto.js'
export { startNatsServer, startNatsCluster } from './nats.js'
export type { RunningNatsServer } from './nats.js'
export { buildDashboardPage, launchChromium } from './dashboard-page.js'
export type { BrowserContext, Page } from './dashboard-page.js'
export { parsePrometheusText } from './prometheus-text.js'
export type { PrometheusFamily } from './prometheus-text.js'
export { influxdConfig } from './influxd.js'
export { createPtyPair } from './socat.js'
export type { PtyPair } from './socat.js'
export { setTomlKey } from './toml.js'
export { netnsSupport, createNetnsPair } from './netns.js'
export type { NetnsHost, NetnsPair, NetnsRunResult } from './netns.js'
export { createPrivateCa } from './tls.js'
export type { PrivateCa } from './tls.js'
export { startLineDevice } from './line-device.js'
export { startTcpProxy } from './tcp-proxy.js'
export type { RunningLineDevice } from './line-device.js'
