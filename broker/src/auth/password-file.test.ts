import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PasswordFileError } from '../errors.js'
import {
  addUser,
  hashPassword,
  parsePasswordFile,
  readPasswordFile,
  verifyPassword,
} from './password-file.js'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-passwd-'))
})
afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('password file', () => {
  it('stores a salted scrypt hash that verifies only the right password', async () => {
    const hash = await hashPassword('s3cret')
    expect(hash).toMatch(/^\$scrypt\$16384\$8\$1\$[^$]+\$[^$]+$/)
    expect(hash).not.toContain('s3cret')
    expect(await hashPassword('s3cret')).not.toBe(hash)
    expect(await verifyPassword('s3cret', hash)).toBe(true)
    expect(await verifyPassword('s3cret!', hash)).toBe(false)
    expect(await verifyPassword('s3cret', 'not-a-hash')).toBe(false)
  })

  it('adds and replaces users, written with mode 0600', async () => {
    const file = join(dir, 'passwd')
    await addUser(file, 'alice', 'one', 'operator')
    await addUser(file, 'bob', 'two', 'serial-bridge')
    await addUser(file, 'alice', 'three', 'dashboard')
    const users = await readPasswordFile(file)
    expect(users.map((u) => [u.user, u.role])).toEqual([
      ['bob', 'serial-bridge'],
      ['alice', 'dashboard'],
    ])
    expect(await verifyPassword('three', users[1]!.hash)).toBe(true)
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    expect(await readFile(file, 'utf8')).not.toContain('three')
  })

  it('stores the instance a user is bound to, and reads both line forms', async () => {
    const file = join(dir, 'passwd-instance')
    await addUser(file, 'pi-bridge', 'pw', 'serial-bridge', 'pi')
    await addUser(file, 'laptop', 'pw', 'windowing')
    const users = await readPasswordFile(file)
    expect(users.map((u) => [u.user, u.role, u.instance])).toEqual([
      ['pi-bridge', 'serial-bridge', 'pi'],
      ['laptop', 'windowing', undefined],
    ])
    expect(await readFile(file, 'utf8')).toMatch(/^pi-bridge:serial-bridge:pi:\$scrypt\$/)
    expect(() => parsePasswordFile('f', 'u:r:i:j:h\n')).toThrow(PasswordFileError)
    await expect(addUser(file, 'u', 'p', 'windowing', 'Bad Instance')).rejects.toThrow(
      PasswordFileError,
    )
  })

  it('rejects a malformed line, a bad role and a missing file with a PasswordFileError', async () => {
    expect(() => parsePasswordFile('f', 'just-a-name\n')).toThrow(PasswordFileError)
    expect(parsePasswordFile('f', '# comment\n\nu:r:h\n')).toEqual([
      { user: 'u', role: 'r', hash: 'h' },
    ])
    await expect(addUser(join(dir, 'x'), 'u', 'p', 'Bad Role')).rejects.toThrow(PasswordFileError)
    await expect(readPasswordFile(join(dir, 'missing'))).rejects.toThrow(/sluice broker passwd/)
  })
})
