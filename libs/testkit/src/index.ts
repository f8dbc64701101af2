/**
 * @module @sluice/testkit
 * Test helpers (dev dependency only, DESIGN.md §13): free ports, temporary directories, waiting,
 * collecting MQTT messages, finding outside programs (skip when missing, fail under
 * `SLUICE_REQUIRE_EXTERNAL=1`), a stock Aedes broker in-process, launchers for mosquitto, influxd and socat
 * pty pairs, a line-protocol device for a pty, the dashboard's page with a headless Chromium, a Prometheus
 * text parser, a private TLS CA, and two network namespaces joined by a veth pair.
 * The embedded Sluice broker is started with `startBroker({ port: 0 })` from `@sluice/broker` directly:
 * testkit does not depend on it, which would close a build cycle (broker → mesh → testkit).
 */
export {
  TestkitErrorCode,
  ProgramMissingError,
  StartFailedError,
  WaitTimeoutError,
  RequestFailedError,
  SubscribeRefusedError,
  NetnsUnavailableError,
} from './errors.js'
export { freePort } from './free-port.js'
export { tempDir } from './temp-dir.js'
export type { TempDir } from './temp-dir.js'
export { waitFor } from './wait-for.js'
export type { WaitForOptions } from './wait-for.js'
export { collectMessages } from './collect-messages.js'
export type { CollectedMessage, CollectOptions, MessageCollector } from './collect-messages.js'
export {
  requireProgram,
  findProgram,
  externalRequired,
  dockerAvailable,
  KNOWN_PROGRAMS,
} from './external.js'
export type { ProgramLookup, RequireProgramOptions } from './external.js'
export { startContainer } from './containers.js'
export type { StartContainerOptions, RunningContainer } from './containers.js'
export { startProcess, canConnect } from './process.js'
export type { StartProcessOptions, RunningProcess, ReadyWhen } from './process.js'
export { startAedes } from './aedes.js'
export type { RunningAedes } from './aedes.js'
export { startMosquitto } from './mosquitto.js'
export type { MosquittoOptions, RunningMosquitto } from './mosquitto.js'
export { CHROMIUM_ARGS, buildDashboardPage, launchChromium } from './dashboard-page.js'
export type { BrowserContext, Page } from './dashboard-page.js'
export { parsePrometheusText } from './prometheus-text.js'
export type { PrometheusFamily, PrometheusSample } from './prometheus-text.js'
export { startInfluxd, influxdConfig } from './influxd.js'
export type { InfluxdOptions, RunningInfluxd, InfluxQueryResult } from './influxd.js'
export { createPtyPair, parsePtyPaths } from './socat.js'
export type { PtyPair, PtyPairOptions } from './socat.js'
export { setTomlKey, disableArraySections } from './toml.js'
export { netnsSupport, createNetnsPair } from './netns.js'
export type {
  NetnsHost,
  NetnsPair,
  NetnsPairOptions,
  NetnsRunOptions,
  NetnsRunResult,
  NetnsSupport,
} from './netns.js'
export { createPrivateCa } from './tls.js'
export type { PrivateCa, PrivateCaOptions } from './tls.js'
export { startLineDevice, lineDeviceValues } from './line-device.js'
export type { LineDeviceOptions, RunningLineDevice } from './line-device.js'
