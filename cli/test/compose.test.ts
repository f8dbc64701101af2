/**
 * No Docker engine runs here, so docker-compose.yml is checked structurally: every Sluice container's
 * command is a real `sluice` subcommand whose flags, config file and environment the real config loaders
 * accept, and which passes the checks the service makes when it starts (the dashboard's login rule beyond
 * loopback, the bridge's mode-dependent settings); images are pinned; healthchecks exist, use flags
 * `sluice health` knows and name the container's own service and instance; the image puts the CLI where
 * they call it; the serial device reaches the bridge. The systemd units of deploy/systemd get the same
 * check against the example configs of deploy/config, which docs/deploy.md copies to /etc/sluice.
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { readdirSync } from 'node:fs'
import { parseBrokerFlags } from '@sluice/broker'
import { loadConfig, type ServiceDefinition } from '@sluice/mesh'
import type { TObject } from '@sinclair/typebox'
import { parse } from 'yaml'
import { describe, expect, it } from 'vitest'
import { commands } from '../src/commands.js'
import { HEALTH_USAGE } from '../src/commands/health.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

interface ComposeService {
  image?: string
  command?: string[]
  environment?: Record<string, string | number | boolean>
  volumes?: string[]
  devices?: string[]
  healthcheck?: { test: string[] }
  profiles?: string[]
}
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>
}
const sluiceServices = Object.entries(compose.services).filter(([, s]) =>
  s.image?.startsWith('sluice:'),
)

async function definition(command: string): Promise<ServiceDefinition<TObject>> {
  const load: Record<string, () => Promise<ServiceDefinition<TObject>>> = {
    bridge: async () => (await import('@sluice/serial-bridge')).serialBridgeService,
    window: async () => (await import('@sluice/windowing')).windowingService,
    anomaly: async () => (await import('@sluice/anomaly')).anomalyService,
    forward: async () => (await import('@sluice/forwarder')).forwarderService,
    dashboard: async () => (await import('@sluice/dashboard')).dashboardService,
  }
  const l = load[command]
  if (l === undefined) throw new Error(`no service behind "sluice ${command}"`)
  return l()
}

/**
 * Loads a service's config from `argv` and `env` as the service would, then runs the checks the service
 * makes at start, so that a container that would exit at once fails here.
 */
async function checkServiceConfig(
  command: string,
  argv: string[],
  env: Record<string, string>,
): Promise<Record<string, unknown>> {
  const def = await definition(command)
  const config = loadConfig({ schema: def.configSchema, service: def.name, argv, env }) as Record<
    string,
    unknown
  >
  if (command === 'bridge') {
    const { resolveBridgeConfig } = await import('@sluice/serial-bridge')
    resolveBridgeConfig(config as never)
  }
  if (command === 'dashboard') {
    const { accessPolicy } = await import('@sluice/dashboard')
    accessPolicy({
      host: config.host as string,
      user: config.httpUser as string | undefined,
      password: config.httpPassword as string | undefined,
      allowAnonymous: config.allowAnonymous as boolean,
    })
  }
  return config
}

/** The value after `flag` in `args`, if any. */
function flagValue(args: readonly string[], flag: string): string | undefined {
  const i = args.indexOf(flag)
  return i >= 0 ? args[i + 1] : undefined
}

/** Maps container paths of bind mounts back to the repository, so `--config` files are read for real. */
function hostPath(s: ComposeService, path: string): string {
  for (const v of s.volumes ?? []) {
    const [src, dst] = v.split(':')
    if (src?.startsWith('./') && dst !== undefined && path.startsWith(dst))
      return join(root, src, path.slice(dst.length))
  }
  return path
}

describe('docker-compose.yml', () => {
  it('runs the broker, every service, InfluxDB 1.8 and Grafana OSS with pinned tags', () => {
    const commandsUsed = sluiceServices.map(([, s]) => s.command?.[0])
    for (const c of ['broker', 'bridge', 'window', 'anomaly', 'forward', 'dashboard'])
      expect(commandsUsed).toContain(c)
    for (const [name, s] of Object.entries(compose.services)) {
      expect(s.image, name).toMatch(/^[\w./-]+:[\w.-]+$/)
      expect(s.image, name).not.toMatch(/:latest$/)
    }
    expect(compose.services.influxdb?.image).toMatch(/^influxdb:1\.8\./)
    expect(compose.services.grafana?.image).toMatch(/^grafana\/grafana-oss:\d+\.\d+\.\d+$/)
  })

  it('gives every container a healthcheck that the CLI understands', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      expect(s.healthcheck?.test, name).toBeDefined()
      const test = s.healthcheck!.test
      if (s.image?.startsWith('sluice:')) {
        expect(test.slice(1, 4), name).toEqual(['node', '/app/cli/dist/main.js', 'health'])
      }
    }
  })

  it.each(sluiceServices)(
    '%s: its command and config are accepted by the real loaders',
    async (name, s) => {
      const [cmd, ...args] = s.command ?? []
      expect(cmd && commands[cmd], `${name}: sluice ${cmd}`).toBeTruthy()
      if (cmd === 'broker') {
        expect(() => parseBrokerFlags(args)).not.toThrow()
        return
      }
      const argv = args.map((a, i) => (args[i - 1] === '--config' ? hostPath(s, a) : a))
      const configFile = flagValue(argv, '--config')
      if (configFile !== undefined)
        expect(existsSync(configFile), `${name}: ${configFile}`).toBe(true)
      const env = Object.fromEntries(
        Object.entries(s.environment ?? {}).map(([k, v]) => [k, String(v)]),
      )
      await expect(checkServiceConfig(cmd!, argv, env)).resolves.toBeDefined()
    },
  )

  it.each(sluiceServices.filter(([, s]) => s.command?.[0] !== 'broker'))(
    '%s: its healthcheck asks about its own service and instance',
    async (name, s) => {
      const health = s.healthcheck!.test.slice(4)
      for (const flag of health.filter((a) => a.startsWith('--')))
        expect(HEALTH_USAGE, `${name}: sluice health ${flag}`).toContain(flag)
      const def = await definition(s.command![0]!)
      expect(flagValue(health, '--service'), name).toBe(def.name)
      expect(flagValue(health, '--instance'), name).toBe(flagValue(s.command!, '--instance'))
    },
  )

  it('runs every container from an image that has the CLI where the healthchecks call it', () => {
    const dockerfile = readFileSync(join(root, 'deploy', 'Dockerfile'), 'utf8')
    expect(dockerfile).toMatch(/^COPY --from=build \/out \/app\/cli$/m)
    expect(dockerfile).toContain('ENTRYPOINT ["node", "/app/cli/dist/main.js"]')
    const x = compose as unknown as { 'x-sluice': { build: { dockerfile: string } } }
    expect(x['x-sluice'].build.dockerfile).toBe('deploy/Dockerfile')
  })

  it('builds the image on the Node major that CI tests last (Node 20 reached its end of life)', () => {
    const dockerfile = readFileSync(join(root, 'deploy', 'Dockerfile'), 'utf8')
    const ci = readFileSync(join(root, '.ci', 'run'), 'utf8')
    const imageMajor = /^ARG NODE_VERSION=(\d+)\.\d+\.\d+$/m.exec(dockerfile)?.[1]
    const ciMajor = /npm install .* node@(\d+)\b/.exec(ci)?.[1]
    expect(ciMajor).toBeDefined()
    expect(imageMajor).toBe(ciMajor)
  })

  it('passes the serial device through to the bridge and mounts the Grafana provisioning', () => {
    expect(compose.services.bridge?.devices?.[0]).toMatch(/^\/dev\/tty\w+:\/dev\/tty\w+$/)
    const bridgeCmd = compose.services.bridge?.command ?? []
    expect(bridgeCmd[bridgeCmd.indexOf('--port') + 1]).toBe(
      compose.services.bridge?.devices?.[0]?.split(':')[1],
    )
    const prov = compose.services.grafana?.volumes?.find((v) =>
      v.endsWith(':/etc/grafana/provisioning:ro'),
    )
    expect(prov).toBeDefined()
    expect(existsSync(join(root, prov!.split(':')[0]!))).toBe(true)
  })
})

describe('deploy/systemd units', () => {
  const dir = join(root, 'deploy', 'systemd')
  const units = readdirSync(dir).filter((f) => f.endsWith('.service'))

  /** The unit's ExecStart, its default Environment= assignments and its StateDirectory=. */
  /** The unit's command line (Node's own flags, such as V8's young-generation size, in `nodeFlags`). */
  function unit(file: string): {
    exec: string[]
    nodeFlags: string[]
    env: Record<string, string>
    state?: string
  } {
    const text = readFileSync(join(dir, file), 'utf8')
    const words = /^ExecStart=(.*)$/m.exec(text)?.[1]?.trim().split(/\s+/) ?? []
    const flags = words
      .slice(1)
      .filter((w, i, all) => all.slice(0, i + 1).every((x) => x.startsWith('--')))
    const exec = [words[0] ?? '', ...words.slice(1 + flags.length)]
    const env: Record<string, string> = {}
    for (const m of text.matchAll(/^Environment="?([A-Z_]+)=(.*?)"?$/gm)) env[m[1]!] = m[2]!
    const state = /^StateDirectory=(.*)$/m.exec(text)?.[1]?.trim()
    return { exec, nodeFlags: flags, env, ...(state !== undefined ? { state } : {}) }
  }

  it('has a unit for the broker and every service', () => {
    const used = units.map((f) => unit(f).exec[2])
    for (const c of ['broker', 'bridge', 'window', 'anomaly', 'forward', 'dashboard'])
      expect(used).toContain(c)
  })

  it.each(units)('%s: runs a sluice command whose example config loads', async (file) => {
    const { exec, nodeFlags, env, state } = unit(file)
    expect(exec.slice(0, 2)).toEqual(['/usr/bin/node', '/opt/sluice/cli/dist/main.js'])
    // A small young generation for a Pi (docs/performance.md), as `sluice up --processes` gives its children.
    expect(nodeFlags).toEqual(['--max-semi-space-size=1'])
    const [cmd, ...args] = exec.slice(2)
    expect(cmd && commands[cmd], `${file}: sluice ${cmd}`).toBeTruthy()
    if (cmd === 'broker') {
      expect(args).toEqual(['$SLUICE_BROKER_FLAGS'])
      expect(() => parseBrokerFlags(env.SLUICE_BROKER_FLAGS!.split(/\s+/))).not.toThrow()
      return
    }
    const config = flagValue(args, '--config')
    expect(config, file).toMatch(/^\/etc\/sluice\/[\w-]+\.yaml$/)
    // docs/deploy.md installs deploy/config/*.yaml as /etc/sluice/*.yaml.
    const example = join(root, 'deploy', 'config', config!.slice('/etc/sluice/'.length))
    expect(existsSync(example), example).toBe(true)
    const loaded = await checkServiceConfig(cmd!, ['--config', example], env)
    // ProtectSystem=strict: a service can write only below its StateDirectory.
    if ('dataDir' in loaded) expect(loaded.dataDir, file).toBe(`/var/lib/${state ?? '-'}`)
  })
})
