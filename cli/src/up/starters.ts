/**
 * @module up/starters
 * What each `sluice` subcommand that `sluice up` runs is, when it runs inside `sluice up`'s process
 * (`up/in-process.ts`): the broker through `startBroker` with the broker's own flag parser (`parseBrokerFlags`), each service through the mesh's `startService`
 * with the same arguments its process would get. Loaded lazily, like the subcommands themselves.
 */
import { startService } from '@sluice/mesh'
import { serviceDefinitions } from '../services.js'
import type { InProcessStarter, StarterLookup } from './in-process.js'

const startBrokerHere: InProcessStarter = async (args, logger) => {
  const { parseBrokerFlags, startBroker } = await import('@sluice/broker')
  const broker = await startBroker({ ...parseBrokerFlags(args), logger })
  return { stop: () => broker.close(), kill: () => broker.close() }
}

/** The starter of each subcommand `sluice up` plans (`broker`, `window`, `anomaly`, …). */
export const inProcessStarters: StarterLookup = async (command) => {
  if (command === 'broker') return startBrokerHere
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
