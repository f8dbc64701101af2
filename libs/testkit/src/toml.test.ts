import { describe, expect, it } from 'vitest'
import { influxdConfig } from './influxd.js'
import { disableArraySections, setTomlKey } from './toml.js'

// An excerpt of `influxd config` (Debian influxdb 1.6.7).
const DEFAULTS = `reporting-enabled = false
bind-address = "127.0.0.1:8088"

[meta]
  dir = "/var/lib/influxdb/meta"

[data]
  dir = "/var/lib/influxdb/data"
  wal-dir = "/var/lib/influxdb/wal"

[http]
  enabled = true
  bind-address = ":8086"

[[graphite]]
  enabled = true
  bind-address = ":2003"

[[udp]]
  enabled = true
  bind-address = ":8089"
`

describe('setTomlKey', () => {
  it('replaces a key only in the named section', () => {
    const out = setTomlKey(DEFAULTS, 'http', 'bind-address', '127.0.0.1:1')
    expect(out).toContain('  bind-address = "127.0.0.1:1"')
    expect(out).toContain('bind-address = "127.0.0.1:8088"')
    expect(out).toContain('bind-address = ":2003"')
  })

  it('adds a missing key after its header, and a missing section at the end', () => {
    const out = setTomlKey(setTomlKey(DEFAULTS, 'meta', 'logging-enabled', false), 'x', 'y', 1)
    expect(out).toContain('[meta]\n  logging-enabled = false\n')
    expect(out.endsWith('[x]\n  y = 1')).toBe(true)
  })

  it('switches off every [[array]] listener', () => {
    const out = disableArraySections(DEFAULTS)
    expect(out).toContain('[[graphite]]\n  enabled = false')
    expect(out).toContain('[[udp]]\n  enabled = false')
    expect(out).toContain('[http]\n  enabled = true')
  })
})

describe('influxdConfig', () => {
  it('moves storage into the temp dir and binds HTTP and RPC to loopback ports', () => {
    const out = influxdConfig(DEFAULTS, { dir: '/tmp/t', httpPort: 18086, rpcPort: 18088 })
    expect(out).toMatch(/^bind-address = "127.0.0.1:18088"$/m)
    expect(out).toMatch(/\[http\][^[]*\n {2}bind-address = "127.0.0.1:18086"\n/)
    expect(out).toContain('dir = "/tmp/t/meta"')
    expect(out).toContain('dir = "/tmp/t/data"')
    expect(out).toContain('wal-dir = "/tmp/t/wal"')
    expect(out).toMatch(/^reporting-enabled = false$/m)
    expect(out).not.toContain('/var/lib/influxdb')
    expect(out).not.toMatch(/enabled = true\n\s+bind-address = ":(2003|8089)"/)
  })
})
