import { describe, expect, it } from 'vitest'
import { emulatorArgs, parsePtyPath } from './emulator.js'

describe('parsePtyPath', () => {
  it('finds the pty QEMU reports for serial0', () => {
    const out = 'QEMU 7.2 monitor\n(qemu) char device redirected to /dev/pts/7 (label serial0)\n'
    expect(parsePtyPath(out)).toBe('/dev/pts/7')
  })

  it('prefers serial0 over other redirected character devices', () => {
    const out =
      'char device redirected to /dev/pts/2 (label compat_monitor0)\n' +
      'char device redirected to /dev/pts/3 (label serial0)\n'
    expect(parsePtyPath(out)).toBe('/dev/pts/3')
  })

  it('returns undefined until the line is complete', () => {
    expect(parsePtyPath('char device redirected to /dev/pts/3')).toBeUndefined()
    expect(parsePtyPath('')).toBeUndefined()
  })
})

describe('emulatorArgs', () => {
  it('boots the ELF on an Uno with the serial port on a pty and no monitor', () => {
    const args = emulatorArgs('/tmp/fw.elf')
    expect(args.join(' ')).toBe(
      '-machine uno -bios /tmp/fw.elf -nographic -serial pty -monitor none',
    )
  })

  it('stops the CPU and puts the monitor on stdin when paused, so resume() can send cont', () => {
    const args = emulatorArgs('/tmp/fw.elf', { paused: true })
    expect(args).toContain('-S')
    expect(args.slice(args.indexOf('-monitor'), args.indexOf('-monitor') + 2)).toEqual([
      '-monitor',
      'stdio',
    ])
  })

  it('does not use -icount, under which QEMU 7.2 aborts on AVR timer access', () => {
    expect(emulatorArgs('/tmp/fw.elf').some((a) => a.startsWith('-icount'))).toBe(false)
  })
})
