/**
 * @module @sluice/broker
 * The embedded Sluice MQTT broker (Aedes): TCP and WebSocket listeners, scrypt password file, per-service
 * publish ACL, TLS, limits, subscriber isolation with bounded per-subscriber queues, bounded persistent
 * sessions, and its own metrics and status. `runBroker` is the `sluice broker` command.
 *
 * The public surface: only the names other packages (or this package's `main.ts`) import, checked by
 * `cli/test/surfaces.test.ts`. Internals live in their module files; this package's tests reach them
 * there or through `internal.ts` (index plus internals, as nats.js's `mod.ts` / `internal_mod.ts`).
 */
export { startBroker } from './broker.js'
export type { RunningBroker } from './broker.js'
export { silentBrokerLogger } from './options.js'
export type { BrokerLogger } from './options.js'
export { addUser } from './auth/password-file.js'
export { PUBLISH_RULES } from './auth/acl.js'
export { runBroker } from './main.js'
export { parseBrokerFlags, BrokerFlagsSchema, BROKER_PASSWD_USAGE } from './flags.js'
export { BROKER_VERSION } from './version.js'
