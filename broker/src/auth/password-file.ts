/**
 * @module auth/password-file
 * The broker's user list: one `user:role:hash` line per user, or `user:role:instance:hash` for a user
 * bound to one instance of its service, where the hash is `$scrypt$N$r$p$salt$key` (base64 salt and
 * key, never a colon). Passwords are stored only as scrypt hashes (DESIGN.md
 * §11); scrypt is memory-hard, so a stolen file is expensive to brute-force, and Node ships it. The role
 * names the service whose ACL the user gets (see `auth/acl`). `addUser` is what `sluice broker passwd` runs.
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto'
import { readFile, rename, writeFile } from 'node:fs/promises'
import { PasswordFileError } from '../errors.js'

/** One user of the broker. */
export interface BrokerUser {
  readonly user: string
  readonly role: string
  /** The one instance of its service this user may connect as (`sluice-<role>-<instance>`), if bound. */
  readonly instance?: string
  readonly hash: string
}

// OWASP password storage cheat sheet: scrypt N=2^17, r=8, p=1 for interactive logins; we use 2^14 so
// that a connect on a Raspberry Pi stays around 50 ms, still far above a fast hash.
const N = 16384
const R = 8
const P = 1
const KEY_LENGTH = 32
const USER_PATTERN = /^[A-Za-z0-9._@-]+$/
const ROLE_PATTERN = /^[a-z0-9][a-z0-9_-]*$/

function scrypt(password: string, salt: Buffer, keyLength: number, options: ScryptOptions) {
  return new Promise<Buffer>((resolve, reject) => {
    scryptCb(password, salt, keyLength, options, (err, key) => {
      if (err) reject(err)
      else resolve(key)
    })
  })
}

/**
 * Hashes a password with scrypt and a random salt.
 *
 * @example
 * ```ts
 * const hash = await hashPassword('s3cret') // '$scrypt$16384$8$1$…$…'
 * await verifyPassword('s3cret', hash) // true
 * ```
 */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16)
  const key = await scrypt(password, salt, KEY_LENGTH, { N, r: R, p: P, maxmem: 64 * 1024 * 1024 })
  return `$scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${key.toString('base64')}`
}

/** Checks a password against a hash made by {@link hashPassword}, in constant time. */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  const parts = hash.split('$')
  // ['', 'scrypt', N, r, p, salt, key]
  if (parts.length !== 7 || parts[1] !== 'scrypt') return false
  const [n, r, p] = [Number(parts[2]), Number(parts[3]), Number(parts[4])]
  if (![n, r, p].every((v) => Number.isInteger(v) && v > 0)) return false
  const salt = Buffer.from(parts[5] ?? '', 'base64')
  const expected = Buffer.from(parts[6] ?? '', 'base64')
  if (expected.length === 0) return false
  const actual = await scrypt(password, salt, expected.length, {
    N: n,
    r,
    p,
    maxmem: 256 * n * r + 1024 * 1024,
  })
  return timingSafeEqual(actual, expected)
}

/** Parses the text of a password file. Blank lines and `#` comments are ignored. */
export function parsePasswordFile(file: string, text: string): BrokerUser[] {
  const users: BrokerUser[] = []
  const lines = text.split(/\r?\n/)
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const fields = line.split(':')
    if ((fields.length !== 3 && fields.length !== 4) || fields.some((f) => f === '')) {
      throw new PasswordFileError(
        file,
        `line ${i + 1} is not "user:role:hash" or "user:role:instance:hash"; recreate it with ` +
          `\`sluice broker passwd\``,
      )
    }
    const [user, role, ...rest] = fields as [string, string, ...string[]]
    const hash = rest.pop()!
    const instance = rest[0]
    users.push(instance === undefined ? { user, role, hash } : { user, role, instance, hash })
  }
  return users
}

/** Reads and parses a password file. */
export async function readPasswordFile(file: string): Promise<BrokerUser[]> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (cause) {
    throw new PasswordFileError(
      file,
      'cannot read the password file; create it with `sluice broker passwd <file> <user> <role>`',
      { cause },
    )
  }
  return parsePasswordFile(file, text)
}

/**
 * Adds a user to a password file, or replaces its password, role and instance (the file is created if
 * missing, written atomically with mode 0600). With `instance`, the user may connect as
 * `sluice-<role>-<instance>` only.
 *
 * @example
 * ```ts
 * await addUser('/etc/sluice/passwd', 'pi-bridge', 'hunter2', 'serial-bridge', 'pi')
 * ```
 */
export async function addUser(
  file: string,
  user: string,
  password: string,
  role: string,
  instance?: string,
): Promise<void> {
  if (!USER_PATTERN.test(user)) {
    throw new PasswordFileError(file, `user name "${user}" must match ${USER_PATTERN.source}`)
  }
  if (!ROLE_PATTERN.test(role)) {
    throw new PasswordFileError(file, `role "${role}" must match ${ROLE_PATTERN.source}`)
  }
  if (instance !== undefined && !ROLE_PATTERN.test(instance)) {
    throw new PasswordFileError(file, `instance "${instance}" must match ${ROLE_PATTERN.source}`)
  }
  let users: BrokerUser[] = []
  try {
    users = parsePasswordFile(file, await readFile(file, 'utf8'))
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  const hash = await hashPassword(password)
  const next = users.filter((u) => u.user !== user)
  next.push(instance === undefined ? { user, role, hash } : { user, role, instance, hash })
  const line = (u: BrokerUser) =>
    [u.user, u.role, ...(u.instance === undefined ? [] : [u.instance]), u.hash].join(':')
  const text = next.map(line).join('\n') + '\n'
  const tmp = `${file}.${process.pid}.tmp`
  await writeFile(tmp, text, { mode: 0o600 })
  await rename(tmp, file)
}
