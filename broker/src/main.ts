/**
 * @module main
 * The `sluice broker` command: parses its flags, starts the broker, and stops it on SIGINT/SIGTERM.
 * The CLI calls `runBroker(argv)`; `parseBrokerArgs` is separate so that flag handling is testable.
 */
import { createInterface } from 'node:readline'
import type { Readable } from 'node:stream'
import { parseArgs } from 'node:util'
import { addUser } from './auth/password-file.js'
import { startBroker, type RunningBroker } from './broker.js'
import { InvalidBrokerOptionsError } from './errors.js'
import type { BrokerLogger, BrokerOptions } from './options.js'
import type { QueuePolicy } from '@sluice/stream'

/** The broker's command-line flags. */
export const BROKER_USAGE = `Usage: sluice broker [options]
       sluice broker passwd <file> <user> <role> [instance]
                           (reads the password from the first line of stdin; with an instance, the
                           user may connect as sluice-<role>-<instance> only)
         roles: serial-bridge windowing anomaly forwarder dashboard operator admin, and device
         (user = device id: may publish only {p}/<user>/+/raw and {p}/<user>/raw)
  --host <addr>            listen address (default 127.0.0.1; any other needs --password-file
                           with at least one user, or --allow-anonymous)
  --port <n>               MQTT TCP port (default 1883, 0 = any free port)
  --ws-port <n>            MQTT over WebSocket port, path /mqtt (off by default)
  --password-file <file>   users file (sluice broker passwd)
  --allow-anonymous        let clients without credentials in on a non-loopback address
  --persistence-dir <dir>  durable sessions and retained messages (LevelDB)
  --tls-key <file> --tls-cert <file>   TLS on every listener
  --queue-capacity <n>     each subscriber's outbound queue (default 10000)
  --queue-policy <p>       drop-oldest | drop-newest | sample | block (default drop-oldest)
  --prefix <p>             topic prefix (default sluice)
  --instance <id>          broker instance id (default main)
  --prometheus-port <n>    serve GET /metrics (Prometheus text format) on this port (off by default)
  --prometheus-host <addr> address of /metrics (default 127.0.0.1)`

/** Parsed flags, as broker options. */
export type BrokerArgs = BrokerOptions

function integer(name: string, value: string | undefined, problems: string[]): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isInteger(n)) problems.push(`--${name} must be an integer, got "${value}"`)
  return n
}

/**
 * Parses `sluice broker` flags into broker options; throws {@link InvalidBrokerOptionsError} listing
 * every problem.
 *
 * @example
 * ```ts
 * parseBrokerArgs(['--port', '0', '--ws-port', '9001']) // { port: 0, wsPort: 9001 }
 * ```
 */
export function parseBrokerArgs(argv: readonly string[]): BrokerArgs {
  let values
  try {
    ;({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        'ws-port': { type: 'string' },
        'password-file': { type: 'string' },
        'allow-anonymous': { type: 'boolean' },
        'persistence-dir': { type: 'string' },
        'tls-key': { type: 'string' },
        'tls-cert': { type: 'string' },
        'queue-capacity': { type: 'string' },
        'queue-policy': { type: 'string' },
        prefix: { type: 'string' },
        instance: { type: 'string' },
        'prometheus-port': { type: 'string' },
        'prometheus-host': { type: 'string' },
      },
    }))
  } catch (err) {
    throw new InvalidBrokerOptionsError([`${(err as Error).message}\n${BROKER_USAGE}`])
  }
  const problems: string[] = []
  const args: {
    -readonly [K in keyof BrokerOptions]: BrokerOptions[K]
  } = {}
  if (values.host !== undefined) args.host = values.host
  const port = integer('port', values.port, problems)
  if (port !== undefined) args.port = port
  const wsPort = integer('ws-port', values['ws-port'], problems)
  if (wsPort !== undefined) args.wsPort = wsPort
  if (values['password-file'] !== undefined) args.passwordFile = values['password-file']
  if (values['allow-anonymous'] === true) args.allowAnonymous = true
  if (values['persistence-dir'] !== undefined) args.persistence = { dir: values['persistence-dir'] }
  const key = values['tls-key']
  const cert = values['tls-cert']
  if ((key === undefined) !== (cert === undefined)) {
    problems.push('--tls-key and --tls-cert go together')
  } else if (key !== undefined && cert !== undefined) {
    args.tls = { keyFile: key, certFile: cert }
  }
  const capacity = integer('queue-capacity', values['queue-capacity'], problems)
  const policy = values['queue-policy'] as QueuePolicy | undefined
  if (capacity !== undefined || policy !== undefined) {
    args.subscriberQueue = {
      ...(capacity === undefined ? {} : { capacity }),
      ...(policy === undefined ? {} : { policy }),
    }
  }
  if (values.prefix !== undefined) args.prefix = values.prefix
  if (values.instance !== undefined) args.instance = values.instance
  const promPort = integer('prometheus-port', values['prometheus-port'], problems)
  const promHost = values['prometheus-host']
  if (promPort !== undefined)
    args.prometheus = { port: promPort, ...(promHost === undefined ? {} : { host: promHost }) }
  else if (promHost !== undefined) problems.push('--prometheus-host needs --prometheus-port')
  if (problems.length > 0) throw new InvalidBrokerOptionsError(problems)
  return args
}

/**
 * `sluice broker passwd <file> <user> <role> [instance]`: adds or updates a user, reading the password
 * from the first line of `input` (never from a flag, which other users could read in `ps`).
 *
 * @example
 * ```sh
 * echo 's3cret' | sluice broker passwd /etc/sluice/passwd pi-bridge serial-bridge pi
 * ```
 */
export async function runBrokerPasswd(
  argv: readonly string[],
  input: Readable = process.stdin,
): Promise<void> {
  const [file, user, role, instance, ...rest] = argv
  if (file === undefined || user === undefined || role === undefined || rest.length > 0) {
    throw new InvalidBrokerOptionsError([
      `passwd takes <file> <user> <role> [instance]\n${BROKER_USAGE}`,
    ])
  }
  // A device user's name is its device id: the topics it may publish are named after it (auth/acl).
  if (role === 'device' && !/^[a-z0-9][a-z0-9_-]*$/.test(user))
    throw new InvalidBrokerOptionsError([
      `a device user is named after its device id, and "${user}" is not one ([a-z0-9][a-z0-9_-]*)`,
    ])
  const lines = createInterface({ input, crlfDelay: Infinity })
  let password: string | undefined
  for await (const line of lines) {
    password = line
    break
  }
  lines.close()
  if (password === undefined || password === '') {
    throw new InvalidBrokerOptionsError(['passwd reads the password from stdin, and got none'])
  }
  await addUser(file, user, password, role, instance)
}

/**
 * Runs the broker from command-line flags until SIGINT or SIGTERM; resolves once it has closed.
 * `runBroker(['passwd', file, user, role])` runs {@link runBrokerPasswd} instead. A broker that cannot
 * start logs why (with the error's code) before the error is thrown on.
 *
 * @example
 * ```ts
 * await runBroker(process.argv.slice(2), { logger: pino() })
 * ```
 */
export async function runBroker(
  argv: readonly string[],
  extra: { logger?: BrokerLogger; signal?: AbortSignal } = {},
): Promise<void> {
  if (argv[0] === 'passwd') {
    await runBrokerPasswd(argv.slice(1))
    return
  }
  let broker: RunningBroker
  try {
    broker = await startBroker({
      ...parseBrokerArgs(argv),
      ...(extra.logger === undefined ? {} : { logger: extra.logger }),
    })
  } catch (err) {
    extra.logger?.error(
      { err, code: (err as { code?: unknown }).code },
      `broker did not start: ${(err as Error).message}`,
    )
    throw err
  }
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      resolve()
    }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
    extra.signal?.addEventListener('abort', stop, { once: true })
  })
  await broker.close()
}
