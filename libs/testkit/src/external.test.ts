import { chmodSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ProgramMissingError } from './errors.js'
import { findProgram, requireProgram } from './external.js'
import { tempDir, type TempDir } from './temp-dir.js'

let dir: TempDir | undefined
afterEach(async () => {
  await dir?.remove()
  dir = undefined
})

describe('requireProgram', () => {
  it('finds an executable among the candidates, then on PATH', async () => {
    dir = await tempDir()
    const exe = join(dir.path, 'fake-prog')
    writeFileSync(exe, '#!/bin/sh\n')
    chmodSync(exe, 0o755)
    expect(requireProgram('fake-prog', [exe], { env: { PATH: '' } })).toMatchObject({
      available: true,
      path: exe,
    })
    expect(requireProgram('fake-prog', [], { env: { PATH: dir.path } })).toMatchObject({
      available: true,
      path: exe,
    })
  })

  it('skips with a logged reason that names the program and the package when it is missing', () => {
    const lines: string[] = []
    const r = requireProgram('mosquitto', ['/nonexistent/mosquitto'], {
      env: { PATH: '' },
      log: (l) => lines.push(l),
    })
    expect(r.available).toBe(false)
    expect(r.skip).toContain('mosquitto not found in /nonexistent/mosquitto, PATH')
    expect(r.skip).toContain('apt-get install mosquitto')
    expect(lines).toHaveLength(1)
  })

  it('throws instead of skipping under SLUICE_REQUIRE_EXTERNAL=1', () => {
    expect(() =>
      requireProgram('nope-prog', [], { env: { PATH: '', SLUICE_REQUIRE_EXTERNAL: '1' } }),
    ).toThrow(ProgramMissingError)
  })

  it('falls back to the Docker image when a Docker engine is reachable', () => {
    const r = findProgram('influxd', {
      env: { PATH: '', DOCKER_HOST: 'unix:///nonexistent.sock' },
      log: null,
    })
    // influxd may be installed at a Debian candidate path; only a missing one falls back.
    if (r.path === undefined) expect(r).toMatchObject({ available: true, image: 'influxdb:1.8' })
    const fake = requireProgram('nope-prog', [], {
      image: 'nope:1',
      env: { PATH: '', DOCKER_HOST: 'tcp://127.0.0.1:2375' },
    })
    expect(fake).toEqual({ available: true, name: 'nope-prog', image: 'nope:1' })
  })
})
