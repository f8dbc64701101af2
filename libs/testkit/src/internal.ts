/**
 * @module @sluice/testkit/internal
 * The public surface (`index.ts`) plus the internals that only this package's own tests reach, as
 * nats.js's `internal_mod.ts` does. Not a package export: other packages import `@sluice/testkit`.
 */
export * from './index.js'
export {
  TestkitErrorCode,
  ProgramMissingError,
  StartFailedError,
  WaitTimeoutError,
  RequestFailedError,
  SubscribeRefusedError,
  NetnsUnavailableError,
} from './errors.js'
export type { WaitForOptions } from './wait-for.js'
export type { CollectedMessage, CollectOptions } from './collect-messages.js'
export { dockerAvailable } from './external.js'
export type { RequireProgramOptions } from './external.js'
export { startContainer } from './containers.js'
export type { StartContainerOptions, RunningContainer } from './containers.js'
export { canConnect } from './process.js'
export type { StartProcessOptions, ReadyWhen } from './process.js'
export type { MosquittoOptions } from './mosquitto.js'
// Public once another package's tests use it (the NATS transport's, issue 14): cli/test/surfaces.test.ts.
export type { NatsServerOptions, RunningNatsCluster } from './nats.js'
export { CHROMIUM_ARGS } from './dashboard-page.js'
export type { PrometheusSample } from './prometheus-text.js'
export { startInfluxd } from './influxd.js'
export type { InfluxdOptions, RunningInfluxd, InfluxQueryResult } from './influxd.js'
export { parsePtyPaths } from './socat.js'
export type { PtyPairOptions } from './socat.js'
export { disableArraySections } from './toml.js'
export type { NetnsPairOptions, NetnsRunOptions, NetnsSupport } from './netns.js'
export type { PrivateCaOptions } from './tls.js'
export { lineDeviceValues } from './line-device.js'
export type { LineDeviceOptions } from './line-device.js'
