/**
 * @module @sluice/broker/internal
 * The public surface (`index.ts`) plus the internals that only this package's own tests reach, as
 * nats.js's `internal_mod.ts` does. Not a package export: other packages import `@sluice/broker`.
 */
export * from './index.js'
export { resolveBrokerOptions, BROKER_DEFAULTS } from './options.js'
export type { ResolvedBrokerOptions, BrokerLogFn, BrokerOptions } from './options.js'
export { runBrokerPasswd } from './main.js'
export type { BrokerFlags } from './flags.js'
export type { BrokerMetrics, SubscriberMetrics, SessionMetrics } from './metrics.js'
export {
  BrokerErrorCode,
  InvalidBrokerOptionsError,
  PortInUseError,
  ListenFailedError,
  PasswordFileError,
  NoCredentialsError,
} from './errors.js'
export {
  hashPassword,
  verifyPassword,
  readPasswordFile,
  parsePasswordFile,
} from './auth/password-file.js'
export type { BrokerUser } from './auth/password-file.js'
export {
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
