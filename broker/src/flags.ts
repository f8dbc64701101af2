/**
 * @module flags
 * The broker's command-line flags: one schema ({@link BrokerFlagsSchema}) read by the services' config
 * loader (mesh `loadOptions`: a YAML file with `--config`, `SLUICE_*` variables, then flags, every
 * problem at once) and turned into broker options. `sluice broker`, `sluice up`'s broker and
 * {@link runBroker} all parse with {@link parseBrokerFlags}; `sluice broker --help` is generated from the
 * same schema.
 */
import { Type, type Static } from '@sinclair/typebox'
import { loadOptions, MeshConfigError, type ConfigIssue } from '@sluice/mesh'
import { QUEUE_POLICIES } from '@sluice/stream'
import { InvalidBrokerOptionsError } from './errors.js'
import { BROKER_DEFAULTS, type BrokerOptions } from './options.js'

const PortSchema = (description: string) =>
  Type.Optional(Type.Integer({ minimum: 0, maximum: 65_535, description }))

/** The broker's flags. No schema defaults: what is not given keeps the broker's own default. */
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

/** The broker's flags, as read (kebab-case keys). */
export type BrokerFlags = Static<typeof BrokerFlagsSchema>

/** `sluice broker passwd`'s usage: the lines `sluice broker --help` shows above the flags. */
export const BROKER_PASSWD_USAGE = [
  '       sluice broker passwd <file> <user> <role> [instance]',
  '                           (reads the password from the first line of stdin; with an instance, the',
  '                           user may connect as sluice-<role>-<instance> only)',
  '         roles: serial-bridge windowing anomaly forwarder dashboard operator admin, and device',
  '         (user = device id: may publish only {p}/<user>/+/raw and {p}/<user>/raw)',
].join('\n')

/** The flags that only make sense together, which the schema cannot say. */
function checkPairs(v: Readonly<Record<string, unknown>>): ConfigIssue[] {
  const issues: ConfigIssue[] = []
  if ((v['tls-key'] === undefined) !== (v['tls-cert'] === undefined))
    issues.push({ path: '/', message: '--tls-key and --tls-cert go together' })
  if (v['prometheus-port'] === undefined && v['prometheus-host'] !== undefined)
    issues.push({ path: '/', message: '--prometheus-host needs --prometheus-port' })
  return issues
}

/** The flags as broker options: only what was given. */
function toBrokerOptions(v: BrokerFlags): BrokerOptions {
  const key = v['tls-key']
  const cert = v['tls-cert']
  const capacity = v['queue-capacity']
  const policy = v['queue-policy']
  const promPort = v['prometheus-port']
  const promHost = v['prometheus-host']
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
 * Reads the broker's flags (and `--config` file, and `SLUICE_*` variables in `env`) into broker options,
 * only those given; throws {@link InvalidBrokerOptionsError} listing every problem at once, each named
 * by its flag: a bad value, an unknown flag, a positional word, a flag missing its partner.
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
  try {
    return toBrokerOptions(
      loadOptions({
        schema: BrokerFlagsSchema,
        argv,
        env,
        refusePositionals: true,
        check: checkPairs,
      }),
    )
  } catch (err) {
    if (!(err instanceof MeshConfigError)) throw err
    throw new InvalidBrokerOptionsError(
      err.issues.map((i) => (i.path === '/' ? i.message : `--${i.path}: ${i.message}`)),
    )
  }
}
