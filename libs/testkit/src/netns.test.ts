import { describe, expect, it } from 'vitest'
import { netnsSupport } from './netns.js'

describe('netnsSupport', () => {
  // `false` stands for an `ip` that may not create namespaces (not root, a container without the caps).
  it('skips with the reason when namespaces cannot be created', () => {
    const lines: string[] = []
    const r = netnsSupport({ ip: '/bin/false', env: {}, log: (l) => lines.push(l) })
    expect(r.available).toBe(false)
    expect(r.skip).toMatch(/cannot create a network namespace/)
    expect(lines[0]).toContain('SLUICE_REQUIRE_EXTERNAL=1')
  })

  it('fails instead under SLUICE_REQUIRE_EXTERNAL=1', () => {
    expect(() =>
      netnsSupport({ ip: '/bin/false', env: { SLUICE_REQUIRE_EXTERNAL: '1' }, log: null }),
    ).toThrow(/SLUICE_ERR_TESTKIT_NETNS_UNAVAILABLE|required \(SLUICE_REQUIRE_EXTERNAL=1\)/)
  })
})
