/**
 * @module errors
 * The broker's own failures. Each has a class with `name` set and a stable `code`
 * (`SLUICE_ERR_BROKER_<WHAT>`); the message says what happened, why it probably happened and what to do.
 * Every code is listed in `docs/errors.md`.
 */
import { SluiceError } from '@sluice/contract'

/** Every error code of `@sluice/broker`. */
export const BrokerErrorCode = {
  /** The TCP or WebSocket port is already taken, usually by another MQTT broker. */
  PortInUse: 'SLUICE_ERR_BROKER_PORT_IN_USE',
  /** A listener could not start for another reason (permission, bad address, bad TLS files). */
  ListenFailed: 'SLUICE_ERR_BROKER_LISTEN_FAILED',
  /** The broker options are invalid; every problem is listed. */
  InvalidOptions: 'SLUICE_ERR_BROKER_INVALID_OPTIONS',
  /** The password file cannot be read, or a line in it is malformed. */
  PasswordFile: 'SLUICE_ERR_BROKER_PASSWORD_FILE',
  /** Asked to listen off loopback, where clients must log in, with no user to log in as. */
  NoCredentials: 'SLUICE_ERR_BROKER_NO_CREDENTIALS',
} as const

/** One of the codes in {@link BrokerErrorCode}. */
export type BrokerErrorCode = (typeof BrokerErrorCode)[keyof typeof BrokerErrorCode]

/** The port is in use: another MQTT broker (Mosquitto, often) is probably running. */
export class PortInUseError extends SluiceError {
  override readonly name = 'PortInUseError'
  readonly port: number
  readonly host: string

  constructor(host: string, port: number, options?: { cause?: unknown }) {
    super(
      BrokerErrorCode.PortInUse,
      `port ${port} is in use — another MQTT broker such as Mosquitto may be running; use --port, ` +
        `or point Sluice at it with --broker mqtt://${host}:${port}`,
      options,
    )
    this.port = port
    this.host = host
  }
}

/** A listener failed to start for a reason other than a taken port. */
export class ListenFailedError extends SluiceError {
  override readonly name = 'ListenFailedError'

  constructor(message: string, options?: { cause?: unknown }) {
    super(BrokerErrorCode.ListenFailed, message, options)
  }
}

/** The broker options are invalid; `problems` lists every one of them at once. */
export class InvalidBrokerOptionsError extends SluiceError {
  override readonly name = 'InvalidBrokerOptionsError'
  readonly problems: readonly string[]

  constructor(problems: readonly string[]) {
    super(BrokerErrorCode.InvalidOptions, `Invalid broker options:\n- ${problems.join('\n- ')}`)
    this.problems = problems
  }
}

/** The password file cannot be read or parsed. */
export class PasswordFileError extends SluiceError {
  override readonly name = 'PasswordFileError'
  readonly file: string

  constructor(file: string, message: string, options?: { cause?: unknown }) {
    super(BrokerErrorCode.PasswordFile, `${file}: ${message}`, options)
    this.file = file
  }
}

/**
 * The broker would listen beyond loopback, where every client must log in (DESIGN.md §11), but no user
 * is configured and anonymous access was not allowed: it would refuse every client, so it does not start.
 */
export class NoCredentialsError extends SluiceError {
  override readonly name = 'NoCredentialsError'
  readonly host: string

  constructor(host: string, passwordFile: string | undefined) {
    const users =
      passwordFile === undefined
        ? 'no --password-file was given'
        : `the password file ${passwordFile} has no users`
    super(
      BrokerErrorCode.NoCredentials,
      `refusing to listen on ${host}: off loopback every client must log in, and ${users}, so every ` +
        `client would be refused. Add users with \`sluice broker passwd <file> <user> <role>\` and pass ` +
        `--password-file <file>; or listen on 127.0.0.1; or pass --allow-anonymous if an open broker is ` +
        `really intended`,
    )
    this.host = host
  }
}
