/**
 * @module bench/lib/one-process
 * The mesh in one Node process, as `sluice up` runs it by default (DESIGN.md §12, `cli/src/up/in-process.ts`):
 * the embedded broker and each service started here with the mesh's `startService`, every one with its
 * own MQTT client, hops and metrics, on one event loop. A benchmark runs this file as a child process
 * (`startOneProcess` in `bench/lib/mesh.ts`) so that its CPU and RSS are measured from /proc like any
 * service's, and it takes the services and their arguments as a JSON argument, so a benchmark can set what
 * `sluice up`'s flags do not reach (e.g. `--sim.anomalyEvery`). SIGTERM stops them in the reverse order,
 * the producer first.
 *
 * Run (by a benchmark): `node --import tsx bench/lib/one-process.ts '<json>'`, the json being
 * `{"broker": ["--port", "1883"], "services": [["window", ["--broker", "mqtt://…"]], …]}`.
 */
import { parseBrokerFlags, startBroker } from '@sluice/broker'
import { startService } from '@sluice/mesh'

/** The services this launcher knows, by their `sluice` subcommand. */
const definitions: Record<string, () => Promise<Parameters<typeof startService>[0]>> = {
  bridge: async () => (await import('@sluice/serial-bridge')).serialBridgeService,
  window: async () => (await import('@sluice/windowing')).windowingService,
  anomaly: async () => (await import('@sluice/anomaly')).anomalyService,
  forward: async () => (await import('@sluice/forwarder')).forwarderService,
}

interface Plan {
  readonly broker: readonly string[]
  /** Services reach the broker through in-memory streams, as in `sluice up` (default true). */
  readonly inProcessClients?: boolean
  readonly services: readonly (readonly [string, readonly string[]])[]
}

const plan = JSON.parse(process.argv[2] ?? '{}') as Plan
const broker = await startBroker({
  ...parseBrokerFlags(plan.broker),
  inProcessClients: plan.inProcessClients ?? true,
})
const handles: { stop(): Promise<unknown> }[] = []
for (const [command, args] of plan.services) {
  const load = definitions[command]
  if (load === undefined) throw new Error(`unknown service ${command}`)
  handles.push(await startService(await load(), { argv: args, env: {} }))
}
process.once('SIGTERM', () => {
  void (async () => {
    for (const h of handles.reverse()) await h.stop()
    await broker.close()
    process.exit(0)
  })()
})
