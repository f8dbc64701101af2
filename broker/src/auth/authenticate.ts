/**
 * @module auth/authenticate
 * The broker's CONNECT check (Aedes' `authenticate` hook): who the client is, and whether it may use the
 * client id it asked for. In order:
 * 1. a user name: the login throttle of its address (no password check once the address has failed too
 *    often, issue 11 item 7), then the scrypt check, then the client-id binding (item 6);
 * 2. no user name: refused off loopback unless anonymous access was allowed (DESIGN.md §11); otherwise
 *    identified by its client id, which must not be a service's once users are configured.
 * Every refusal is counted by reason and logged (sampled), so a broker that refuses clients says why.
 */
import type { AuthenticateError, Client } from 'aedes'
import type { BrokerLogger } from '../options.js'
import type { LoginThrottle } from '../limits/login-throttle.js'
import { checkClientId, identityFromClientId, identityOfUser, type Identity } from './acl.js'
import { verifyPassword, type BrokerUser } from './password-file.js'

/** Why a CONNECT was refused. */
export type LoginRefusal = 'auth' | 'throttled' | 'clientId'

/** CONNACK return codes of MQTT 3.1.1 [MQTT-3.2.2.3]. */
const SERVER_UNAVAILABLE = 3
const BAD_CREDENTIALS = 4
const NOT_AUTHORIZED = 5

/** What the authenticator needs from the broker. */
export interface AuthenticatorDeps {
  readonly users: ReadonlyMap<string, BrokerUser>
  /** True off loopback without `allowAnonymous`. */
  readonly requireCredentials: boolean
  readonly anonymousRole: string
  readonly throttle: LoginThrottle
  /** The remote address of a client's connection. */
  readonly addressOf: (client: Client) => string
  readonly accepted: (client: Client, identity: Identity) => void
  readonly refused: (reason: LoginRefusal) => void
  readonly log: BrokerLogger
}

type Done = (error: AuthenticateError | null, success: boolean | null) => void

function refusal(returnCode: number, message: string): AuthenticateError {
  // Aedes types the code as a const enum, which isolated modules cannot import; these are its values.
  const error = new Error(message) as AuthenticateError
  ;(error as { returnCode: number }).returnCode = returnCode
  return error
}

/**
 * Creates Aedes' `authenticate` hook.
 *
 * @example
 * ```ts
 * const aedes = await Aedes.createBroker({ authenticate: createAuthenticator(deps) })
 * ```
 */
export function createAuthenticator(deps: AuthenticatorDeps) {
  const logged = new Map<string, number>()
  function refuse(
    client: Client,
    done: Done,
    reason: LoginRefusal,
    code: number,
    why: string,
  ): void {
    deps.refused(reason)
    // sampled per reason: the first refusal, then one in 100 (STYLE.md, Logging)
    const n = (logged.get(reason) ?? 0) + 1
    logged.set(reason, n)
    if (n % 100 === 1) {
      deps.log.warn(
        { clientId: client.id, address: deps.addressOf(client), reason, refusals: n },
        `connection refused: ${why}`,
      )
    }
    done(refusal(code, why), false)
  }

  function admit(client: Client, done: Done, identity: Identity): void {
    deps.accepted(client, identity)
    done(null, true)
  }

  function withPassword(
    client: Client,
    username: string,
    password: Buffer | undefined,
    done: Done,
  ) {
    const address = deps.addressOf(client)
    const wait = deps.throttle.attempt(address, Date.now())
    if (wait > 0) {
      refuse(
        client,
        done,
        'throttled',
        SERVER_UNAVAILABLE,
        `too many failed logins from ${address}`,
      )
      return
    }
    const user = deps.users.get(username)
    if (user === undefined || password === undefined) {
      refuse(client, done, 'auth', BAD_CREDENTIALS, 'bad user name or password')
      return
    }
    verifyPassword(password.toString('utf8'), user.hash).then(
      (ok) => {
        if (!ok) {
          refuse(client, done, 'auth', BAD_CREDENTIALS, 'bad user name or password')
          return
        }
        deps.throttle.succeeded(address)
        const credential = { kind: 'user', role: user.role, instance: user.instance } as const
        const wrongId = checkClientId(client.id, credential)
        if (wrongId !== undefined) {
          refuse(client, done, 'clientId', NOT_AUTHORIZED, `${wrongId} (user ${username})`)
          return
        }
        admit(client, done, identityOfUser(client.id, user))
      },
      (err: unknown) => {
        deps.log.warn({ err, user: username }, 'password check failed')
        refuse(client, done, 'auth', BAD_CREDENTIALS, 'bad user name or password')
      },
    )
  }

  return function authenticate(
    client: Client,
    username: string | undefined,
    password: Buffer | undefined,
    done: Done,
  ): void {
    if (username !== undefined && username !== '') {
      withPassword(client, username, password, done)
      return
    }
    if (deps.requireCredentials) {
      // DESIGN.md §11: off loopback, anonymous access needs an explicit --allow-anonymous.
      refuse(client, done, 'auth', NOT_AUTHORIZED, 'no user name, and this listener requires one')
      return
    }
    const wrongId = checkClientId(client.id, {
      kind: 'anonymous',
      usersConfigured: deps.users.size > 0,
    })
    if (wrongId !== undefined) {
      refuse(client, done, 'clientId', NOT_AUTHORIZED, wrongId)
      return
    }
    admit(client, done, identityFromClientId(client.id, deps.anonymousRole))
  }
}
