/**
 * @module @sluice/broker
 * The embedded Sluice MQTT broker (Aedes): TCP and WebSocket listeners, scrypt password file, per-service
 * publish ACL, TLS, limits, subscriber isolation with bounded per-subscriber queues, bounded persistent
 * sessions, and its own metrics and status. `runBroker` is the `sluice broker` command.
 */
export { startBroker } from './broker.js'
export type { RunningBroker } from './broker.js'
export { resolveBrokerOptions, BROKER_DEFAULTS, silentBrokerLogger } from './options.js'
export type { BrokerOptions, ResolvedBrokerOptions, BrokerLogger, BrokerLogFn } from './options.js'
export type { BrokerMetrics, SubscriberMetrics, SessionMetrics } from './metrics.js'
export {
  BrokerErrorCode,
  PortInUseError,
  ListenFailedError,
  InvalidBrokerOptionsError,
  PasswordFileError,
  NoCredentialsError,
} from './errors.js'
export {
  hashPassword,
  verifyPassword,
  addUser,
  readPasswordFile,
  parsePasswordFile,
} from './auth/password-file.js'
export type { BrokerUser } from './auth/password-file.js'
export {
  PUBLISH_RULES,
  SUBSCRIBE_ONLY,
  ownSysRule,
  SERVICE_ROLES,
  publishFilters,
  createPublishCheck,
  createSubscribeCheck,
  filtersOverlap,
  READ_RULES,
  checkClientId,
  identityOfUser,
  serviceOfClientId,
  identityFromClientId,
} from './auth/acl.js'
export type { Identity, Credential, AclRule } from './auth/acl.js'
export { WS_PATH } from './listeners/ws.js'
export { runBroker, runBrokerPasswd } from './main.js'
export { parseBrokerFlags, BrokerFlagsSchema, BROKER_PASSWD_USAGE } from './flags.js'
export type { BrokerFlags } from './flags.js'
export { BROKER_VERSION } from './version.js'
