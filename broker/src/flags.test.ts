import { describe, expect, it } from 'vitest'
import { InvalidBrokerOptionsError } from './errors.js'
import { parseBrokerFlags } from './flags.js'

function problemsOf(argv: readonly string[]): readonly string[] {
  try {
    parseBrokerFlags(argv)
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidBrokerOptionsError)
    return (err as InvalidBrokerOptionsError).problems
  }
  return expect.unreachable()
}

describe('parseBrokerFlags', () => {
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
    expect(
      parseBrokerFlags(['--tls-key', 'k', '--tls-cert', 'c', '--queue-capacity', '5']),
    ).toEqual({ tls: { keyFile: 'k', certFile: 'c' }, subscriberQueue: { capacity: 5 } })
  })

  it('lists every problem at once, each named by its flag, a flag missing its partner too', () => {
    const problems = problemsOf([
      '--port',
      'x',
      '--tls-key',
      'k',
      '--nope',
      '--prometheus-host',
      'h',
    ])
    expect(problems).toHaveLength(4)
    expect(problems.join('\n')).toMatch(/--nope: unknown option[\s\S]*--port: /)
    expect(problems).toContain('--tls-key and --tls-cert go together')
    expect(problems).toContain('--prometheus-host needs --prometheus-port')
  })

  it('refuses positional words, naming them', () => {
    expect(problemsOf(['--port', '0', 'extra'])).toEqual([
      expect.stringMatching(/unexpected argument "extra"/),
    ])
    expect(problemsOf(['--', '--port', '0']).join('\n')).toMatch(/"--port", "0"/)
  })

  it('reads SLUICE_* variables like the services, flags winning', () => {
    expect(
      parseBrokerFlags(['--port', '2883'], { SLUICE_PORT: '1999', SLUICE_WS_PORT: '9002' }),
    ).toEqual({ port: 2883, wsPort: 9002 })
  })
})
