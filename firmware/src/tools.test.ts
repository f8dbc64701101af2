import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ToolMissingError } from './errors.js'
import { findExecutable, requireTool } from './tools.js'

const dir = mkdtempSync(join(tmpdir(), 'sluice-fw-tools-'))
const fake = join(dir, 'avr-gcc')
writeFileSync(fake, '#!/bin/sh\n')
chmodSync(fake, 0o755)
writeFileSync(join(dir, 'qemu-system-avr'), 'not executable')

afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

describe('findExecutable', () => {
  it('finds an executable on PATH', () => {
    expect(findExecutable('avr-gcc', { PATH: `/nonexistent:${dir}` })).toBe(fake)
  })

  it('ignores files that are not executable', () => {
    expect(findExecutable('qemu-system-avr', { PATH: dir })).toBeUndefined()
  })

  it('accepts an absolute path as is', () => {
    expect(findExecutable(fake, { PATH: '' })).toBe(fake)
  })
})

describe('requireTool', () => {
  it('names the Debian package to install when the tool is missing', () => {
    try {
      requireTool('qemu-system-avr', undefined, { PATH: dir })
      expect.unreachable()
    } catch (err) {
      expect(err).toBeInstanceOf(ToolMissingError)
      expect((err as ToolMissingError).tool).toBe('qemu-system-avr')
      expect((err as Error).message).toContain('apt-get install qemu-system-misc')
    }
  })
})
