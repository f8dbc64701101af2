/**
 * @module up/starters
 * What each `sluice` subcommand that `sluice up` runs is, when it runs inside `sluice up`'s process
 * (`up/in-process.ts`): the broker through `startBroker` with the broker's own flag parser (`parseBrokerFlags`), each service through the mesh's `startService`
 * with the same arguments its process would get. The services connect to the broker through in-memory
 * streams (`startBroker`'s `inProcessClients`), with the same MQTT, login and ACL as over a socket. Loaded lazily, like the subcommands themselves.
 */
import { startService } from '@sluice/mesh'
import { serviceDefinitions } from '../services.js'
import type { InProcessStarter, StarterLookup } from './in-process.js'

/** The broker; with `inMemory`, the services of this process reach it through in-memory streams. */
function brokerStarter(inMemory: boolean): InProcessStarter {
  return async (args, logger) => {
    const { parseBrokerFlags, startBroker } = await import('@sluice/broker')
    const broker = await startBroker({ ...parseBrokerFlags(args), inProcessClients: inMemory, logger })
    return { stop: () => broker.close(), kill: () => broker.close() }
  }
}

/**
 * The starter of each subcommand `sluice up` plans (`broker`, `window`, `anomaly`, …); `inMemory`
 * (`sluice up --in-memory`, the default) connects the services to the broker without sockets (issue 16).
 */
export const inProcessStarters = (inMemory: boolean): StarterLookup => async (command) => {
  if (command === 'broker') return brokerStarter(inMemory)
  const load = serviceDefinitions[command]
  if (load === undefined) return undefined
  const def = await load()
  return async (args, logger) => {
    const handle = await startService(def, { argv: args, env: process.env, logger })
    return {
      stop: async () => {
        await handle.stop()
      },
      kill: () => handle.kill(),
    }
  }
}
