/**
 * The two-host helpers on their own: two network namespaces joined by a veth pair (a TCP connection
 * across it, cut and restored, nothing left behind), the private CA of docs/deploy.md, and the line
 * device on a socat pty. Skipped when namespaces cannot be made or a program is missing, unless
 * SLUICE_REQUIRE_EXTERNAL=1.
 */
import { execFileSync } from 'node:child_process'
import { closeSync, constants, openSync, writeSync } from 'node:fs'
import { ReadStream } from 'node:tty'
import { parseLine } from '@sluice/contract'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findProgram } from '../src/external.js'
import { lineDeviceValues, startLineDevice } from '../src/line-device.js'
import { createNetnsPair, netnsSupport, type NetnsPair } from '../src/netns.js'
import { createPtyPair } from '../src/socat.js'
import { tempDir, type TempDir } from '../src/temp-dir.js'
import { createPrivateCa } from '../src/tls.js'
import { waitFor } from '../src/wait-for.js'

const netns = netnsSupport()
const openssl = findProgram('openssl')
const socat = findProgram('socat')

/** A node one-liner that connects to host:port and prints what it reads first, or fails in 2 s. */
const CLIENT = `const s=require('net').connect(+process.argv[2],process.argv[1]);s.setTimeout(2000,()=>{console.error('timeout');process.exit(3)});s.on('data',d=>{process.stdout.write(d);process.exit(0)});s.on('error',e=>{console.error(e.message);process.exit(4)})`
const SERVER = `require('net').createServer(c=>c.end('hello')).listen(+process.argv[2],process.argv[1],()=>console.log('listening'))`

describe.skipIf(!netns.available)('createNetnsPair', () => {
  let pair: NetnsPair

  beforeAll(async () => {
    pair = await createNetnsPair({ labels: ['pi', 'laptop'] })
  })
  afterAll(() => pair?.remove())

  it('joins two namespaces with a private /30 that only they hold', () => {
    expect(pair.a.name).toMatch(/^sluice-[0-9a-f]{6}-pi$/)
    expect(pair.a.address).toMatch(/^10\.\d+\.\d+\.\d+$/)
    const own = execFileSync(netns.ip!, ['-o', 'addr']).toString()
    expect(own).not.toContain(pair.a.address)
    expect(own).not.toContain(pair.a.iface)
  })

  it('carries TCP across the link, not while it is cut, and again once restored', async () => {
    const server = await pair.exec(
      pair.a,
      process.execPath,
      ['-e', SERVER, pair.a.address, '7000'],
      {
        readyWhen: /listening/,
      },
    )
    try {
      const connect = () =>
        pair.run(pair.b, process.execPath, ['-e', CLIENT, pair.a.address, '7000'])
      expect(await connect()).toMatchObject({ code: 0, stdout: 'hello' })
      await pair.cut()
      const cut = await connect()
      expect(cut.code).not.toBe(0)
      await pair.restore()
      await waitFor(async () => (await connect()).code === 0, { timeout: 10_000 })
    } finally {
      await server.stop()
    }
  })

  it('leaves no namespace behind', async () => {
    const other = await createNetnsPair()
    await other.remove()
    await other.remove()
    const list = execFileSync(netns.ip!, ['netns', 'list']).toString()
    expect(list).not.toContain(other.a.name)
    expect(list).not.toContain(other.b.name)
  })
})

describe.skipIf(!openssl.available)('createPrivateCa', () => {
  let dir: TempDir
  beforeAll(async () => {
    dir = await tempDir('sluice-ca-')
  })
  afterAll(() => dir?.remove())

  it("makes a server certificate the CA verifies, with the guide's names", async () => {
    const ca = await createPrivateCa(dir.path, { dns: ['sluice-pi.local'], ips: ['10.9.8.1'] })
    const verify = execFileSync(openssl.path!, ['verify', '-CAfile', ca.ca, ca.cert]).toString()
    expect(verify).toContain(': OK')
    const text = execFileSync(openssl.path!, ['x509', '-in', ca.cert, '-noout', '-text']).toString()
    expect(text).toContain('DNS:sluice-pi.local')
    expect(text).toContain('IP Address:10.9.8.1')
  })
})

describe.skipIf(!socat.available)('startLineDevice', () => {
  it('answers the rate command, then writes checksummed lines from seq 0 and says how far it got', async () => {
    const pty = await createPtyPair()
    const fd = openSync(pty.a, constants.O_RDWR | constants.O_NOCTTY)
    const host = new ReadStream(fd)
    let text = ''
    host.on('data', (d: Buffer) => (text += d.toString('latin1')))
    const device = await startLineDevice({ port: pty.b })
    try {
      writeSync(fd, 'R200\n')
      await waitFor(() => text.split('\n').length > 50, { timeout: 10_000 })
      writeSync(fd, 'R100\n')
      await waitFor(() => text.includes('OK R100'), { timeout: 5000 })
      const written = await device.stop()
      await waitFor(() => text.includes(`${written - 1},`), { timeout: 5000 })
      const lines = text.split('\n').filter((l) => l !== '')
      expect(lines[0]).toBe('OK R200')
      expect(lines[1]).toBe('# sluice-testkit 1 rate=200 channels=light,temp')
      const samples = lines
        .map((l) => parseLine(l, { channels: 2, requireChecksum: true }))
        .flatMap((p) => (p.ok && p.kind === 'sample' ? [p] : []))
      expect(samples.map((s) => s.seq)).toEqual(Array.from({ length: written }, (_, i) => i))
      expect(samples[7]!.values).toEqual(lineDeviceValues(7))
      expect(device.rates()).toEqual([200, 100])
    } finally {
      host.destroy()
      closeSync(fd)
      await device.stop().catch(() => undefined)
      await pty.stop()
    }
  })
})
