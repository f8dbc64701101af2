/**
 * @module errors
 * The base error of every Sluice package, the one way to make an error class (`defineError`), and the
 * contract's own failures. Each failure has its own class with `name` set and a stable `code`
 * (`SLUICE_ERR_<AREA>_<WHAT>`), so callers branch on the code and people read the message. Every code is
 * listed in `docs/errors.md`. `defineError` follows Fastify's `createError`: a code, a message (fixed, or
 * built from the constructor's arguments), an optional exit code, and `SluiceError` as the base.
 */

/**
 * Base class of every error Sluice throws or returns. Make subclasses with {@link defineError}, never by
 * hand: `code` is stable across releases, `name` is the class's name, and the message is for people (what
 * happened, why it probably happened, what to do).
 *
 * @example
 * ```ts
 * try { … } catch (err) {
 *   if (err instanceof SluiceError && err.code === 'SLUICE_ERR_FORWARD_SPOOL_FULL') …
 * }
 * ```
 */
export class SluiceError extends Error {
  override readonly name: string = 'SluiceError'
  /** Stable machine-readable code, `SLUICE_ERR_<AREA>_<WHAT>`. */
  readonly code: string
  /**
   * The exit code a process ends with when this error stops it, if the error decides it: 2 when the
   * configuration was refused, so a restart cannot help (the systemd units set `RestartPreventExitStatus=2`).
   */
  declare readonly exitCode?: number

  constructor(code: string, message: string, options?: ErrorOptions & { exitCode?: number }) {
    super(message, options)
    this.code = code
    if (options?.exitCode !== undefined) this.exitCode = options.exitCode
  }
}

/** What a {@link defineError} `build` function makes of the constructor's arguments. */
export interface BuiltError<F extends object, C extends string> {
  /** The message for people: what happened, why it probably happened, what to do. */
  readonly message: string
  /** Extra read-only properties of the error (`file`, `issues`, …), set on the instance. */
  readonly fields?: F
  /** Which of the class's codes this instance has; the first one when not given. */
  readonly code?: C
  /** `{ cause }`, passed on to `Error`. */
  readonly options?: ErrorOptions | undefined
}

/** How {@link defineError} makes an error class. */
export interface ErrorSpec {
  /** The class's name, also set as `name` on every instance: `MeshConfigError`. */
  readonly name: string
  /** See {@link SluiceError.exitCode}. */
  readonly exitCode?: number
}

/** A class made by {@link defineError}: `new` it with `A`, test it with `instanceof`. */
export interface SluiceErrorClass<A extends unknown[], F extends object, C extends string> {
  new (...args: A): SluiceError & Readonly<F> & { readonly code: C }
  readonly prototype: SluiceError & Readonly<F>
  /** The class's code (its first, when it has several). */
  readonly code: C
  /** Every code an instance of the class can have. */
  readonly codes: readonly C[]
}

/**
 * Makes an error class on `SluiceError`, the one way every Sluice package defines its errors (Fastify's
 * `createError` is the model). `code` is the class's code, or its list of codes when an instance picks one
 * (`build` returns which). Without `build`, the class takes `(message, options?)`, and `message` may be
 * left out when the spec has a default `message`; with `build`, it takes `build`'s parameters and `build`
 * says the message, the extra fields and the cause. Export a type of the same name beside it, so the class
 * is also a type: `export type X = InstanceType<typeof X>`.
 *
 * @example
 * ```ts
 * export const MeshConnectError = defineError('SLUICE_ERR_MESH_CONNECT', { name: 'MeshConnectError' })
 * export type MeshConnectError = InstanceType<typeof MeshConnectError>
 * throw new MeshConnectError('The broker at mqtt://pi:1883 refused the login: …', { cause: err })
 *
 * export const ReplayFileError = defineError('SLUICE_ERR_BRIDGE_REPLAY_FILE', {
 *   name: 'ReplayFileError',
 *   build: (file: string, message: string, options?: ErrorOptions) => ({ message, fields: { file }, options }),
 * })
 * ```
 */
export function defineError<C extends string>(
  code: C,
  spec: ErrorSpec & { readonly message: string },
): SluiceErrorClass<[message?: string, options?: ErrorOptions], object, C>
export function defineError<C extends string>(
  code: C,
  spec: ErrorSpec,
): SluiceErrorClass<[message: string, options?: ErrorOptions], object, C>
export function defineError<C extends string, A extends unknown[], F extends object = object>(
  code: C | readonly [C, ...C[]],
  spec: ErrorSpec & { readonly build: (...args: A) => BuiltError<F, C> },
): SluiceErrorClass<A, F, C>
export function defineError(
  code: string | readonly [string, ...string[]],
  spec: ErrorSpec & {
    readonly message?: string
    readonly build?: (...args: unknown[]) => BuiltError<object, string>
  },
): SluiceErrorClass<unknown[], object, string> {
  const codes: readonly string[] = typeof code === 'string' ? [code] : code
  const first = codes[0]!
  const build =
    spec.build ??
    ((message?: unknown, options?: unknown): BuiltError<object, string> => ({
      message: (message as string | undefined) ?? spec.message ?? first,
      options: options as ErrorOptions | undefined,
    }))
  const Defined = class extends SluiceError {
    override readonly name: string = spec.name
    static readonly code = first
    static readonly codes = codes

    constructor(...args: unknown[]) {
      const built = build(...args)
      super(built.code ?? first, built.message, {
        ...built.options,
        ...(spec.exitCode === undefined ? {} : { exitCode: spec.exitCode }),
      })
      if (built.fields !== undefined) Object.assign(this, built.fields)
    }
  }
  Object.defineProperty(Defined, 'name', { value: spec.name })
  return Defined
}

/** Every error code of `@sluice/contract` (documented in `docs/errors.md`). */
export const ContractErrorCode = {
  /** A topic segment (prefix, device, channel, window name, service, instance) is not a valid identifier. */
  InvalidIdentifier: 'SLUICE_ERR_CONTRACT_INVALID_IDENTIFIER',
  /** A payload is not valid JSON, not UTF-8, or does not match its message schema. */
  InvalidPayload: 'SLUICE_ERR_CONTRACT_INVALID_PAYLOAD',
  /** `natsServerConfig` was given options nats-server would refuse or misread. */
  NatsConfig: 'SLUICE_ERR_CONTRACT_NATS_CONFIG',
} as const

/** One of the codes in {@link ContractErrorCode}. */
export type ContractErrorCode = (typeof ContractErrorCode)[keyof typeof ContractErrorCode]

/**
 * A topic segment is not a valid identifier (`[a-z0-9][a-z0-9_-]*`). Thrown by the topic builders, so a
 * typo in a config fails at start, not as a silent subscription to nothing. `field` says which segment
 * was wrong (`device`, `channel`, `prefix`, …), `value` the rejected value.
 */
export const InvalidIdentifierError = defineError(ContractErrorCode.InvalidIdentifier, {
  name: 'InvalidIdentifierError',
  build: (field: string, value: unknown, message: string) => ({
    message,
    fields: { field, value },
  }),
})
export type InvalidIdentifierError = InstanceType<typeof InvalidIdentifierError>

/** One problem found in a payload: where (a JSON pointer, `/` for the whole payload) and what. */
export interface PayloadIssue {
  readonly path: string
  readonly message: string
}

/**
 * A payload that could not be decoded. The decoders *return* it (they never throw on bad input); callers
 * count it as `rejected` and log it at a sampled rate (DESIGN.md §4). `messageId` is the message id the
 * payload was checked against (`sluice.v1.raw`), `issues` the first problems found (at most the decoder's
 * `maxIssues`).
 */
export const InvalidPayloadError = defineError(ContractErrorCode.InvalidPayload, {
  name: 'InvalidPayloadError',
  build: (messageId: string, issues: readonly PayloadIssue[], options?: ErrorOptions) => ({
    message: `Invalid ${messageId} payload: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
    fields: { messageId, issues },
    options,
  }),
})
export type InvalidPayloadError = InstanceType<typeof InvalidPayloadError>

/** One problem with an option of `natsServerConfig`: its path (`cluster.port`) and what is wrong. */
export interface NatsConfigIssue {
  readonly path: string
  readonly message: string
}

/**
 * `natsServerConfig` was given options nats-server would refuse or misread (a port out of range, an empty
 * store dir, a server name with a space, …). Every problem is listed at once, in `issues` and the message.
 */
export const NatsServerConfigError = defineError(ContractErrorCode.NatsConfig, {
  name: 'NatsServerConfigError',
  exitCode: 2,
  build: (issues: readonly NatsConfigIssue[]) => ({
    message:
      `Cannot write a nats-server config: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}. ` +
      'Fix these options and start again.',
    fields: { issues },
  }),
})
export type NatsServerConfigError = InstanceType<typeof NatsServerConfigError>
