/**
 * TLS on every listener (DESIGN.md §11): MQTT over TLS and MQTT over secure WebSocket, with a throwaway
 * self-signed certificate made by `openssl` (skipped when openssl is absent, unless
 * SLUICE_REQUIRE_EXTERNAL=1).
 */
import { execFileSync } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import mqtt, { type MqttClient } from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startBroker, type RunningBroker } from '../src/index.js'
import { connectRaw } from './raw-client.js'

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

const available = hasOpenssl()
if (!available && process.env.SLUICE_REQUIRE_EXTERNAL === '1') {
  throw new Error('openssl is required (SLUICE_REQUIRE_EXTERNAL=1) but was not found on PATH')
}
if (!available) console.warn('skipping the TLS tests: openssl is not installed')

describe.skipIf(!available)('TLS listeners', () => {
  let dir: string
  let broker: RunningBroker
  let ca: Buffer
  const clients: MqttClient[] = []

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-tls-'))
    const keyFile = join(dir, 'key.pem')
    const certFile = join(dir, 'cert.pem')
    // an EC key is generated in milliseconds, an RSA one can take a second on a small machine
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        keyFile,
        '-out',
        certFile,
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
      ],
      { stdio: 'ignore' },
    )
    ca = await readFile(certFile)
    broker = await startBroker({
      port: 0,
      wsPort: 0,
      tls: { keyFile, certFile },
      metricsIntervalMs: 0,
      anonymousRole: 'admin',
    })
  })

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true)))
    await broker.close()
    await rm(dir, { recursive: true, force: true })
  })

  it('serves MQTT over TLS and over secure WebSocket with a verified certificate', async () => {
    expect(broker.url).toMatch(/^mqtts:\/\//)
    expect(broker.wsUrl).toMatch(/^wss:\/\/.*\/mqtt$/)
    const options = { ca, rejectUnauthorized: true, reconnectPeriod: 0 }
    const sub = await mqtt.connectAsync(broker.url, options)
    clients.push(sub)
    await sub.subscribeAsync('sluice/tls/x/raw')
    const got = new Promise<string>((resolve) =>
      sub.once('message', (_t, p) => resolve(p.toString())),
    )
    const pub = await mqtt.connectAsync(broker.wsUrl!, options)
    clients.push(pub)
    await pub.publishAsync('sluice/tls/x/raw', 'sealed')
    expect(await got).toBe('sealed')
  })

  it('refuses a plain-text MQTT client on the TLS port', async () => {
    // the TLS server answers a plain CONNECT with an alert and closes, before any CONNACK
    await expect(connectRaw(broker.tcpPort, 'plain')).rejects.toThrow()
  })
})
