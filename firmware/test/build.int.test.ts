import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { findProgram } from '@sluice/testkit'
import { afterAll, describe, expect, it } from 'vitest'
import { FirmwareBuildError, ToolMissingError, buildFirmware } from '../src/internal.js'

const avrGcc = findProgram('avr-gcc')
const EM_AVR = 83 // ELF e_machine for Atmel AVR (System V ABI, ELF header)

describe.skipIf(!avrGcc.available)('buildFirmware with plain avr-gcc', () => {
  const dirs: string[] = []
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })))
  })

  async function build(options: Parameters<typeof buildFirmware>[0]) {
    const elf = await buildFirmware(options)
    dirs.push(dirname(elf))
    return elf
  }

  it('builds an AVR ELF from the sketch for the board and for the emulator, with and without temp', async () => {
    for (const options of [
      { synthetic: false },
      { synthetic: true },
      { synthetic: true, tempChannel: false, checksum: false },
    ]) {
      const bytes = await readFile(await build(options))
      expect(bytes.subarray(0, 4).toString('latin1')).toBe('\x7fELF')
      expect(bytes.readUInt16LE(18)).toBe(EM_AVR)
    }
  })

  it('embeds the requested version in the boot line', async () => {
    const bytes = await readFile(await build({ version: '9.8.7-test' }))
    expect(bytes.toString('latin1')).toContain('# sluice-fw 9.8.7-test rate=')
  })

  it('reports a missing compiler with the package to install', async () => {
    await expect(buildFirmware({ compiler: 'avr-gcc-does-not-exist' })).rejects.toBeInstanceOf(
      ToolMissingError,
    )
  })

  it('reports a failing compiler with its output, and leaves no directory of its own behind', async () => {
    // The build's own directory is made under os.tmpdir(), which follows TMPDIR: a fresh one shows it.
    const tmp = await mkdtemp(join(tmpdir(), 'fw-build-test-'))
    dirs.push(tmp)
    const before = process.env.TMPDIR
    process.env.TMPDIR = tmp
    // `false` is an executable that fails at once: it stands in for a broken toolchain.
    const err: unknown = await buildFirmware({ compiler: '/bin/false' })
      .catch((e: unknown) => e)
      .finally(() => {
        if (before === undefined) delete process.env.TMPDIR
        else process.env.TMPDIR = before
      })
    expect(err).toBeInstanceOf(FirmwareBuildError)
    expect((err as FirmwareBuildError).message).toContain('avr-gcc could not build the firmware')
    expect(await readdir(tmp)).toEqual([])
  })
})
