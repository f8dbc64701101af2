import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { readPasswordFile, verifyPassword } from './auth/password-file.js'
import { runBrokerPasswd } from './main.js'
import { resolveBrokerOptions } from './options.js'

describe('resolveBrokerOptions', () => {
  it('defaults to loopback, port 1883 and a bounded drop-oldest queue, frozen', () => {
    const o = resolveBrokerOptions()
    expect(o).toMatchObject({
      host: '127.0.0.1',
      port: 1883,
      subscriberQueue: { capacity: 10_000, policy: 'drop-oldest' },
      allowAnonymous: false,
    })
    expect(Object.isFrozen(o)).toBe(true)
  })

  it('lists every invalid option', () => {
    expect(() =>
      resolveBrokerOptions({ port: 70_000, maxPayloadBytes: 0, prefix: 'Bad Prefix' }),
    ).toThrow(/port[\s\S]*maxPayloadBytes[\s\S]*prefix/)
  })
})

describe('sluice broker passwd', () => {
  it('refuses a password given nowhere but stdin', async () => {
    await expect(runBrokerPasswd(['f', 'u', 'r'], Readable.from([]))).rejects.toThrow(/stdin/)
  })

  it('refuses a device user whose name is not a device id', async () => {
    await expect(
      runBrokerPasswd(['f', 'ESP 32', 'device'], Readable.from(['pw\n'])),
    ).rejects.toThrow(/device id/)
  })

  it('adds a user with the password read from stdin', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-passwd-cli-'))
    try {
      const file = join(dir, 'passwd')
      await runBrokerPasswd([file, 'pi', 'serial-bridge'], Readable.from(['hunter2\n']))
      await runBrokerPasswd([file, 'pi-1', 'serial-bridge', 'pi1'], Readable.from(['pw\n']))
      const [user, bound] = await readPasswordFile(file)
      expect(user).toMatchObject({ user: 'pi', role: 'serial-bridge' })
      expect(user?.instance).toBeUndefined()
      expect(await verifyPassword('hunter2', user!.hash)).toBe(true)
      expect(bound).toMatchObject({ user: 'pi-1', role: 'serial-bridge', instance: 'pi1' })
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
