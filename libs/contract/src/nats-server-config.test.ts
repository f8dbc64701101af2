import { execFile } from 'node:child_process'
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { NatsServerConfigError } from './errors.js'
import {
  natsServerConfig,
  quoteNatsString,
  type NatsServerConfigOptions,
} from './nats-server-config.js'

const minimal: NatsServerConfigOptions = {
  serverName: 'sluice-1',
  jetstream: { storeDir: '/var/lib/sluice/nats' },
}

const full: NatsServerConfigOptions = {
  serverName: 'sluice-2',
  host: '127.0.0.1',
  port: 4333,
  httpPort: 8333,
  jetstream: { storeDir: '/tmp/sluice "nats"', maxMemoryStore: 1 << 20, maxFileStore: 1 << 30 },
  mqtt: { port: 1999 },
  cluster: {
    name: 'sluice',
    port: 6333,
    routes: ['127.0.0.1:6333', 'nats-route://127.0.0.1:6334'],
  },
  authorization: {
    users: [
      { user: 'bridge', password: 'p$ss"w\\rd # not a comment' },
      { user: 'window', password: '$2a$11$abcdefghijklmnopqrstuv' },
    ],
  },
  tls: { certFile: '/etc/sluice/cert.pem', keyFile: '/etc/sluice/key.pem', caFile: '/etc/ca.pem' },
}

describe('natsServerConfig', () => {
  it('writes server_name, the client listener on loopback, and JetStream with default limits', () => {
    expect(natsServerConfig(minimal)).toBe(
      [
        '# nats-server config written by Sluice (natsServerConfig, @sluice/contract)',
        'server_name: "sluice-1"',
        'listen: "127.0.0.1:4222"',
        'jetstream {',
        '  store_dir: "/var/lib/sluice/nats"',
        '  max_memory_store: 268435456',
        '  max_file_store: 1073741824',
        '}',
        '',
      ].join('\n'),
    )
  })

  it('writes monitoring, the MQTT listener, the cluster routes, users and TLS on both listeners', () => {
    const text = natsServerConfig(full)
    expect(text).toContain('http: "127.0.0.1:8333"')
    expect(text).toContain('store_dir: "/tmp/sluice \\"nats\\""')
    expect(text).toContain('max_memory_store: 1048576')
    expect(text).toMatch(/mqtt \{\n {2}listen: "127\.0\.0\.1:1999"\n {2}tls \{/)
    expect(text).toContain(
      'routes: [\n    "nats-route://127.0.0.1:6333"\n    "nats-route://127.0.0.1:6334"\n  ]',
    )
    expect(text).toContain('{ user: "bridge", password: "p$ss\\"w\\\\rd # not a comment" }')
    expect(text).toContain('ca_file: "/etc/ca.pem"')
    expect(text.match(/cert_file:/g)).toHaveLength(2)
  })

  it('writes a token login', () => {
    expect(natsServerConfig({ ...minimal, authorization: { token: 's3cr3t' } })).toContain(
      'authorization {\n  token: "s3cr3t"\n}',
    )
  })

  it('brackets an IPv6 host before its port', () => {
    expect(natsServerConfig({ ...minimal, host: '::1', port: 4222 })).toContain(
      'listen: "[::1]:4222"',
    )
  })

  it('quotes with the only escapes the nats config lexer knows', () => {
    expect(quoteNatsString('a"b\\c\n\t\r\x01é')).toBe('"a\\"b\\\\c\\n\\t\\r\\x01é"')
  })

  it('lists every bad option at once, with exit code 2', () => {
    try {
      natsServerConfig({
        serverName: 'has space',
        port: 0,
        jetstream: { storeDir: '', maxFileStore: 1.5 },
        mqtt: { port: 70_000 },
        authorization: { users: [] },
        tls: { certFile: 'c', keyFile: 'k', verify: true },
      })
      expect.unreachable()
    } catch (err) {
      expect(err).toBeInstanceOf(NatsServerConfigError)
      const e = err as NatsServerConfigError
      expect(e.code).toBe('SLUICE_ERR_CONTRACT_NATS_CONFIG')
      expect(e.exitCode).toBe(2)
      expect(e.issues.map((i) => i.path)).toEqual([
        'serverName',
        'port',
        'jetstream.storeDir',
        'jetstream.maxFileStore',
        'mqtt.port',
        'authorization.users',
        'tls.verify',
      ])
    }
  })
})

/**
 * Where nats-server is. `@sluice/contract` cannot use testkit's `findProgram` (testkit depends on the
 * contract), so this is the same rule, inline: skip with a message, or fail under SLUICE_REQUIRE_EXTERNAL=1.
 */
function findNatsServer(): string | undefined {
  const dirs = [
    '/usr/sbin',
    '/usr/bin',
    '/usr/local/bin',
    ...(process.env.PATH ?? '').split(delimiter),
  ]
  for (const dir of dirs.filter((d) => d !== '')) {
    try {
      accessSync(join(dir, 'nats-server'), constants.X_OK)
      return join(dir, 'nats-server')
    } catch {
      // not here
    }
  }
  const message =
    'nats-server not found in /usr/sbin, /usr/bin, /usr/local/bin or PATH. Install it with: ' +
    'apt-get install nats-server.'
  if (process.env.SLUICE_REQUIRE_EXTERNAL === '1')
    throw new Error(`${message} It is required (SLUICE_REQUIRE_EXTERNAL=1).`)
  process.stderr.write(
    `[sluice contract] ${message} Skipping the nats-server -t check; set SLUICE_REQUIRE_EXTERNAL=1 to make this a failure.\n`,
  )
  return undefined
}

const natsServer = findNatsServer()

describe.skipIf(natsServer === undefined)('nats-server -t accepts the generated file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-nats-config-'))
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true })
  })
  const check = async (name: string, options: NatsServerConfigOptions) => {
    const file = join(dir, `${name}.conf`)
    writeFileSync(file, natsServerConfig(options))
    const { stdout, stderr } = await promisify(execFile)(natsServer!, ['-t', '-c', file])
    expect(stdout + stderr).toContain('is valid')
  }

  it('minimal', () => check('minimal', { ...minimal, jetstream: { storeDir: join(dir, 'js') } }))
  it('with every option (TLS files made by openssl)', async () => {
    const cert = join(dir, 'cert.pem')
    const key = join(dir, 'key.pem')
    // nats-server -t loads the key pair, so the files must be real.
    await promisify(execFile)('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-subj',
      '/CN=127.0.0.1',
      '-days',
      '1',
    ])
    await check('full', {
      ...full,
      jetstream: { ...full.jetstream, storeDir: join(dir, 'js "quoted"') },
      tls: { certFile: cert, keyFile: key, caFile: cert },
    })
  })
  it('with a token', () =>
    check('token', { ...minimal, authorization: { token: 'a "quoted" $token\\' } }))
})
