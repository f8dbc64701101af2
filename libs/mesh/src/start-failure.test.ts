import { SluiceError } from '@sluice/contract'
import { StreamError } from '@sluice/stream'
import { describe, expect, it } from 'vitest'
import { MeshConfigError, MeshConnectError } from './errors.js'
import { describeStartFailure, markConfigRefusal } from './start-failure.js'

describe('describeStartFailure', () => {
  it('tells a known failure in its own words with its code, without a stack', () => {
    const err = new MeshConnectError('Cannot connect to the broker at mqtt://127.0.0.1:1.')
    const f = describeStartFailure('window', err)
    expect(f.text).toBe(
      'window: Cannot connect to the broker at mqtt://127.0.0.1:1.\n' +
        'window: error code SLUICE_ERR_MESH_CONNECT (docs/errors.md)\n',
    )
    expect(f.exitCode).toBe(1)
  })

  it('exits 2 on a config the runtime refused, or one the service refused while it was built', () => {
    const issues = [{ path: 'port', message: 'must be an integer' }]
    expect(describeStartFailure('window', new MeshConfigError(issues)).exitCode).toBe(2)
    const insecure = new SluiceError('SLUICE_ERR_DASHBOARD_INSECURE', 'no login beyond loopback')
    expect(describeStartFailure('dashboard', insecure).exitCode).toBe(1)
    markConfigRefusal(insecure)
    expect(describeStartFailure('dashboard', insecure)).toEqual({
      text:
        'dashboard: no login beyond loopback\n' +
        'dashboard: error code SLUICE_ERR_DASHBOARD_INSECURE (docs/errors.md)\n',
      exitCode: 2,
    })
    const spec = new StreamError('SLUICE_ERR_WINDOW_INVALID_SPEC', 'Window "w": size < 1')
    markConfigRefusal(spec)
    expect(describeStartFailure('window', spec).exitCode).toBe(2)
  })

  it('keeps the stack of an unknown error, which is a bug', () => {
    const bug = new TypeError('x is undefined')
    markConfigRefusal(bug)
    const f = describeStartFailure('anomaly', bug)
    expect(f.text).toBe(`anomaly: ${bug.stack!}\n`)
    expect(f.exitCode).toBe(1)
    expect(describeStartFailure('anomaly', 'a string').text).toBe('anomaly: a string\n')
  })
})
