import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { formatPortList, listPorts } from './list-ports.js'

const dev = mkdtempSync(join(tmpdir(), 'sluice-dev-'))
writeFileSync(join(dev, 'ttyACM0'), '')
writeFileSync(join(dev, 'null'), '')
afterAll(() => rmSync(dev, { recursive: true, force: true }))

describe('listPorts', () => {
  it('returns what the system lister finds', async () => {
    const ports = await listPorts({
      list: () => Promise.resolve([{ path: '/dev/ttyUSB0', vendorId: '1a86', productId: '7523' }]),
    })
    expect(formatPortList(ports)).toBe('/dev/ttyUSB0 [1a86:7523]')
  })

  it('explains a missing udevadm and shows serial-looking device files instead', async () => {
    const spawnError = Object.assign(new Error('spawn udevadm ENOENT'), { code: 'ENOENT' })
    await expect(
      listPorts({ list: () => Promise.reject(spawnError), devDir: dev }),
    ).rejects.toMatchObject({
      code: 'SLUICE_ERR_BRIDGE_PORT_LIST',
      message: expect.stringMatching(
        new RegExp(
          `udevadm\` is not installed .*Serial-looking device files: ${join(dev, 'ttyACM0')}\\. Give the port directly with --port`,
        ),
      ),
    })
  })

  it('says when there is nothing to list', () => {
    expect(formatPortList([])).toMatch(/No serial ports found/)
  })
})
