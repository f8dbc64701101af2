/**
 * docs/deploy.md is a runbook: its commands must be ones the CLI accepts. Checks the broker flags it puts in
 * broker.env (and that they are the safe ones off loopback), the `sluice` subcommands it runs, the roles it
 * gives users, and the `SLUICE_*` variables it sets for the services, against the real parsers.
 */
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseBrokerFlags, PUBLISH_RULES } from '@sluice/broker'
import { dashboardService } from '@sluice/dashboard'
import { loadConfig } from '@sluice/mesh'
import { serialBridgeService } from '@sluice/serial-bridge'
import { describe, expect, it } from 'vitest'
import { commands } from '../src/commands.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const doc = readFileSync(join(root, 'docs', 'deploy.md'), 'utf8')
const blocks = [...doc.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!).join('\n')

describe('docs/deploy.md', () => {
  it('gives the broker flags it accepts: all interfaces, a users file and TLS', () => {
    const line = /^SLUICE_BROKER_FLAGS=(.*)$/m.exec(blocks)?.[1]
    expect(line).toBeDefined()
    const args = parseBrokerFlags(line!.split(/\s+/))
    expect(args).toMatchObject({
      host: '0.0.0.0',
      passwordFile: '/etc/sluice/passwd',
      tls: { keyFile: '/etc/sluice/tls/key.pem', certFile: '/etc/sluice/tls/cert.pem' },
    })
    expect(args).not.toHaveProperty('allowAnonymous', true)
  })

  it('runs only sluice subcommands that exist', () => {
    // `sluice` as a command, not as a path, a package scope or a group name (`install -g sluice …`).
    const used = new Set(
      [...blocks.matchAll(/(?<![\w/@~-]|-g )sluice ([a-z]+)\b/g)].map((m) => m[1]!),
    )
    expect(used.size).toBeGreaterThan(4)
    for (const c of used) expect(commands[c], `sluice ${c}`).toBeDefined()
  })

  it('creates users whose roles the broker knows', () => {
    const loop = /for u in ([\s\S]*?); do/.exec(blocks)?.[1] ?? ''
    const roles = [...loop.matchAll(/[a-z-]+:([a-z-]+)/g)].map((m) => m[1]!)
    expect(roles).toEqual(
      expect.arrayContaining(['serial-bridge', 'windowing', 'anomaly', 'forwarder', 'dashboard']),
    )
    for (const r of roles) expect(PUBLISH_RULES[r], r).toBeDefined()
  })

  it('sets service variables the config loader maps', () => {
    const env = {
      SLUICE_BROKER: 'mqtts://sluice-pi.local:8883',
      SLUICE_USERNAME: 'bridge',
      SLUICE_PASSWORD: 'secret',
      SLUICE_INSTANCE: 'pi',
      SLUICE_HTTP_USER: 'ops',
      SLUICE_HTTP_PASSWORD: 'long enough',
    }
    for (const k of Object.keys(env)) expect(doc, k).toContain(k)
    const bridge = loadConfig({
      schema: serialBridgeService.configSchema,
      service: 'serial-bridge',
      argv: ['--config', join(root, 'deploy', 'config', 'serial-bridge.yaml')],
      env: {
        SLUICE_BROKER: env.SLUICE_BROKER,
        SLUICE_USERNAME: 'bridge',
        SLUICE_PASSWORD: 'secret',
        SLUICE_INSTANCE: 'pi',
      },
    })
    expect(bridge).toMatchObject({
      broker: env.SLUICE_BROKER,
      username: 'bridge',
      password: 'secret',
      instance: 'pi',
    })
    const dashboard = loadConfig({
      schema: dashboardService.configSchema,
      service: 'dashboard',
      argv: [],
      env: { SLUICE_HTTP_USER: 'ops', SLUICE_HTTP_PASSWORD: 'long enough' },
    })
    expect(dashboard).toMatchObject({ httpUser: 'ops', httpPassword: 'long enough' })
  })

  it('names the governor settings the bridge has', () => {
    const keys = new Set([...doc.matchAll(/`governor\.([a-zA-Z]+)`/g)].map((m) => m[1]!))
    expect(keys.size).toBeGreaterThan(1)
    const governor = serialBridgeService.configSchema.properties.governor.properties
    for (const k of keys) expect(governor, k).toHaveProperty(k)
  })
})
