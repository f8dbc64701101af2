/**
 * @module main
 * The `sluice broker` command: parses its flags (`flags.ts`), starts the broker, and stops it on SIGINT,
 * SIGTERM or an abort; and `sluice broker passwd`. The CLI's `sluice broker` calls {@link runBroker}.
 */
import { createInterface } from 'node:readline'
import type { Readable } from 'node:stream'
import { addUser } from './auth/password-file.js'
import { startBroker, type RunningBroker } from './broker.js'
import { InvalidBrokerOptionsError } from './errors.js'
import { BROKER_PASSWD_USAGE, parseBrokerFlags } from './flags.js'
import type { BrokerLogger } from './options.js'

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
      `passwd takes <file> <user> <role> [instance]\n${BROKER_PASSWD_USAGE}`,
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
 * Runs the broker from command-line flags (and `SLUICE_*` variables in `extra.env`) until SIGINT,
 * SIGTERM or `extra.signal` aborts; resolves once it has closed. `runBroker(['passwd', file, user,
 * role])` runs {@link runBrokerPasswd} instead. Bad flags throw {@link InvalidBrokerOptionsError} before
 * anything starts; a broker that cannot start logs why (with the error's code) before the error is
 * thrown on.
 *
 * @example
 * ```ts
 * await runBroker(process.argv.slice(2), { logger: pino(), env: process.env })
 * ```
 */
export async function runBroker(
  argv: readonly string[],
  extra: {
    logger?: BrokerLogger
    signal?: AbortSignal
    env?: Readonly<Record<string, string | undefined>>
  } = {},
): Promise<void> {
  if (argv[0] === 'passwd') {
    await runBrokerPasswd(argv.slice(1))
    return
  }
  const options = parseBrokerFlags(argv, extra.env)
  let broker: RunningBroker
  try {
    broker = await startBroker({
      ...options,
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
