import { InvalidBrokerOptionsError } from '@sluice/broker'
import { describe, expect, it } from 'vitest'
import { BROKER_HELP, BrokerFlagsSchema, parseBrokerFlags } from './broker.js'

describe('sluice broker flags', () => {
  it('maps the flags to broker options, only those given', () => {
    expect(
      parseBrokerFlags([
        '--host',
        '0.0.0.0',
        '--port',
        '0',
        '--ws-port',
        '9001',
        '--password-file',
        '/etc/sluice/passwd',
        '--allow-anonymous',
        '--persistence-dir',
        '/var/lib/sluice',
        '--queue-policy',
        'drop-newest',
      ]),
    ).toEqual({
      host: '0.0.0.0',
      port: 0,
      wsPort: 9001,
      passwordFile: '/etc/sluice/passwd',
      allowAnonymous: true,
      persistence: { dir: '/var/lib/sluice' },
      subscriberQueue: { policy: 'drop-newest' },
    })
    expect(parseBrokerFlags(['--prometheus-port', '9464'])).toEqual({ prometheus: { port: 9464 } })
  })

  it('lists every problem at once, each named by its flag', () => {
    try {
      parseBrokerFlags(['--port', 'x', '--tls-key', 'k', '--nope'])
      expect.unreachable()
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidBrokerOptionsError)
      const { problems } = err as InvalidBrokerOptionsError
      expect(problems).toHaveLength(2)
      expect(problems.join('\n')).toMatch(/--nope: unknown option[\s\S]*--port: /)
    }
    expect(() => parseBrokerFlags(['--tls-key', 'k'])).toThrow(
      /--tls-key and --tls-cert go together/,
    )
    expect(() => parseBrokerFlags(['--prometheus-host', '0.0.0.0'])).toThrow(
      /--prometheus-host needs --prometheus-port/,
    )
  })

  it('reads SLUICE_* variables like the services, flags winning', () => {
    expect(
      parseBrokerFlags(['--port', '2883'], { SLUICE_PORT: '1999', SLUICE_WS_PORT: '9002' }),
    ).toEqual({
      port: 2883,
      wsPort: 9002,
    })
  })

  it('generates --help from the schema: every flag, and the passwd form', () => {
    for (const key of Object.keys(BrokerFlagsSchema.properties))
      expect(BROKER_HELP).toContain(`--${key} `)
    expect(BROKER_HELP).toContain('sluice broker passwd <file> <user> <role> [instance]')
  })
})
