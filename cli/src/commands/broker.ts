/**
 * @module commands/broker
 * `sluice broker`: the embedded broker's flags read by the services' config loader (mesh `loadOptions`:
 * a YAML file with `--config`, `SLUICE_*` variables, then flags, every problem at once), its `--help`
 * generated from the same schema, and the broker run until SIGINT/SIGTERM. `sluice up` starts its broker
 * with {@link parseBrokerFlags} too (`up/starters.ts`).
 */
import { Type, type Static } from '@sinclair/typebox'
import {
  BROKER_DEFAULTS,
  InvalidBrokerOptionsError,
  type BrokerLogger,
  type BrokerOptions,
} from '@sluice/broker'
import { loadOptions, MeshConfigError } from '@sluice/mesh'
import { QUEUE_POLICIES } from '@sluice/stream'
import { describeOptions } from '../help.js'

const PortSchema = (description: string) =>
  Type.Optional(Type.Integer({ minimum: 0, maximum: 65_535, description }))

/** `sluice broker`'s flags. No schema defaults: what is not given keeps the broker's own default. */
export const BrokerFlagsSchema = Type.Object({
  host: Type.Optional(
    Type.String({
      minLength: 1,
      description:
        `listen address (default ${BROKER_DEFAULTS.host}; any other needs --password-file with at ` +
        'least one user, or --allow-anonymous)',
    }),
  ),
  port: PortSchema(`MQTT TCP port (default ${BROKER_DEFAULTS.port}, 0 = any free port)`),
  'ws-port': PortSchema('MQTT over WebSocket port, path /mqtt (off by default)'),
  'password-file': Type.Optional(Type.String({ description: 'users file (sluice broker passwd)' })),
  'allow-anonymous': Type.Optional(
    Type.Boolean({
      description: 'let clients without credentials in on a non-loopback address',
    }),
  ),
  'persistence-dir': Type.Optional(
    Type.String({ description: 'durable sessions and retained messages (LevelDB)' }),
  ),
  'tls-key': Type.Optional(
    Type.String({ description: 'TLS key file (with --tls-cert), every listener' }),
  ),
  'tls-cert': Type.Optional(Type.String({ description: 'TLS certificate file (with --tls-key)' })),
  'queue-capacity': Type.Optional(
    Type.Integer({
      minimum: 1,
      description: `each subscriber's outbound queue (default ${BROKER_DEFAULTS.subscriberQueueCapacity})`,
    }),
  ),
  'queue-policy': Type.Optional(
    Type.Union(
      QUEUE_POLICIES.map((p) => Type.Literal(p)),
      { description: `subscriber queue policy (default ${BROKER_DEFAULTS.subscriberQueuePolicy})` },
    ),
  ),
  prefix: Type.Optional(
    Type.String({ description: `topic prefix (default ${BROKER_DEFAULTS.prefix})` }),
  ),
  instance: Type.Optional(
    Type.String({ description: `broker instance id (default ${BROKER_DEFAULTS.instance})` }),
  ),
  'prometheus-port': PortSchema(
    'serve GET /metrics (Prometheus text format) on this port (off by default)',
  ),
  'prometheus-host': Type.Optional(
    Type.String({ description: 'address of /metrics (default 127.0.0.1; with --prometheus-port)' }),
  ),
})

/** `sluice broker --help`, generated from {@link BrokerFlagsSchema}. */
export const BROKER_HELP = [
  'Usage: sluice broker [--config broker.yaml] [options]',
  '       sluice broker passwd <file> <user> <role> [instance]',
  '                           (reads the password from the first line of stdin; with an instance, the',
  '                           user may connect as sluice-<role>-<instance> only)',
  '         roles: serial-bridge windowing anomaly forwarder dashboard operator admin, and device',
  '         (user = device id: may publish only {p}/<user>/+/raw and {p}/<user>/raw)',
  '',
  'Options are read from the YAML file, then SLUICE_* environment variables, then flags.',
  '',
  ...describeOptions(BrokerFlagsSchema),
].join('\n')

/** The flags as broker options: only what was given. */
function toBrokerOptions(v: Static<typeof BrokerFlagsSchema>, problems: string[]): BrokerOptions {
  const key = v['tls-key']
  const cert = v['tls-cert']
  if ((key === undefined) !== (cert === undefined))
    problems.push('--tls-key and --tls-cert go together')
  const capacity = v['queue-capacity']
  const policy = v['queue-policy']
  const promPort = v['prometheus-port']
  const promHost = v['prometheus-host']
  if (promPort === undefined && promHost !== undefined)
    problems.push('--prometheus-host needs --prometheus-port')
  return {
    ...(v.host === undefined ? {} : { host: v.host }),
    ...(v.port === undefined ? {} : { port: v.port }),
    ...(v['ws-port'] === undefined ? {} : { wsPort: v['ws-port'] }),
    ...(v['password-file'] === undefined ? {} : { passwordFile: v['password-file'] }),
    ...(v['allow-anonymous'] === true ? { allowAnonymous: true } : {}),
    ...(v['persistence-dir'] === undefined ? {} : { persistence: { dir: v['persistence-dir'] } }),
    ...(key !== undefined && cert !== undefined ? { tls: { keyFile: key, certFile: cert } } : {}),
    ...(capacity === undefined && policy === undefined
      ? {}
      : {
          subscriberQueue: {
            ...(capacity === undefined ? {} : { capacity }),
            ...(policy === undefined ? {} : { policy }),
          },
        }),
    ...(v.prefix === undefined ? {} : { prefix: v.prefix }),
    ...(v.instance === undefined ? {} : { instance: v.instance }),
    ...(promPort === undefined
      ? {}
      : { prometheus: { port: promPort, ...(promHost === undefined ? {} : { host: promHost }) } }),
  }
}

/**
 * Reads `sluice broker`'s options with the services' loader; throws {@link InvalidBrokerOptionsError}
 * listing every problem, each named by its flag.
 *
 * @example
 * ```ts
 * parseBrokerFlags(['--port', '0', '--ws-port', '9001']) // { port: 0, wsPort: 9001 }
 * ```
 */
export function parseBrokerFlags(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
): BrokerOptions {
  let values: Static<typeof BrokerFlagsSchema>
  try {
    values = loadOptions({ schema: BrokerFlagsSchema, argv, env })
  } catch (err) {
    if (!(err instanceof MeshConfigError)) throw err
    throw new InvalidBrokerOptionsError(err.issues.map((i) => `--${i.path}: ${i.message}`))
  }
  const problems: string[] = []
  const options = toBrokerOptions(values, problems)
  if (problems.length > 0) throw new InvalidBrokerOptionsError(problems)
  return options
}

/** Runs `sluice broker` (or `sluice broker passwd …`) until SIGINT/SIGTERM. */
export async function runBrokerCommand(
  argv: readonly string[],
  summary: string,
  /** Makes the broker's logger (loaded only when the broker runs). */
  makeLogger: () => Promise<{ logger: BrokerLogger }>,
): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${summary}\n\n${BROKER_HELP}\n`)
    return 0
  }
  const { runBrokerPasswd, startBroker } = await import('@sluice/broker')
  if (argv[0] === 'passwd') {
    await runBrokerPasswd(argv.slice(1))
    return 0
  }
  const options = parseBrokerFlags(argv, process.env)
  const { logger: log } = await makeLogger()
  let broker: Awaited<ReturnType<typeof startBroker>>
  try {
    broker = await startBroker({ ...options, logger: log })
  } catch (err) {
    log.error(
      { err, code: (err as { code?: unknown }).code },
      `broker did not start: ${(err as Error).message}`,
    )
    throw err
  }
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      resolve()
    }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
  await broker.close()
  return 0
}
