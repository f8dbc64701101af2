import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  FIRMWARE_DEFAULT_RATE_HZ,
  FIRMWARE_MAX_RATE_HZ,
  FIRMWARE_VERSION,
  firmwareCompileArgs,
  firmwareSourceDirs,
} from './build.js'
import { FirmwareBuildError, FirmwareErrorCode } from './errors.js'

const config = readFileSync(join(firmwareSourceDirs.sketch, 'sluice_config.h'), 'utf8')
const makefile = readFileSync(join(firmwareSourceDirs.host, 'Makefile'), 'utf8')

function configDefault(name: string): string | undefined {
  return new RegExp(`#define ${name} (\\S+)`).exec(config)?.[1]
}

describe('firmwareCompileArgs', () => {
  it('targets an ATmega328P at 16 MHz with the synthetic sensor and checksums by default', () => {
    const args = firmwareCompileArgs()
    expect(args).toEqual(
      expect.arrayContaining([
        '-mmcu=atmega328p',
        '-DF_CPU=16000000UL',
        '-Os',
        '-DSLUICE_SYNTHETIC=1',
        '-DSLUICE_CHECKSUM=1',
        '-DSLUICE_TEMP_CHANNEL=1',
        `-DSLUICE_FW_VERSION="${FIRMWARE_VERSION}"`,
      ]),
    )
  })

  it('compiles the same sketch logic the Arduino IDE does, on the bare-register layer', () => {
    const sources = firmwareCompileArgs().filter((a) => a.endsWith('.c'))
    expect(sources).toEqual([
      join(firmwareSourceDirs.host, 'main.c'),
      join(firmwareSourceDirs.host, 'hal_avr.c'),
      join(firmwareSourceDirs.sketch, 'sluice_core.c'),
      join(firmwareSourceDirs.sketch, 'sluice_synth.c'),
    ])
  })

  it('turns options into the sketch flags', () => {
    const args = firmwareCompileArgs({
      synthetic: false,
      checksum: false,
      tempChannel: false,
      defaultRateHz: 25,
      version: '1.2.3-rc1',
    })
    expect(args).toEqual(
      expect.arrayContaining([
        '-DSLUICE_SYNTHETIC=0',
        '-DSLUICE_CHECKSUM=0',
        '-DSLUICE_TEMP_CHANNEL=0',
        '-DSLUICE_DEFAULT_RATE_HZ=25',
        '-DSLUICE_FW_VERSION="1.2.3-rc1"',
      ]),
    )
  })

  it('rejects a rate the sketch cannot schedule and a version that would break the boot line', () => {
    for (const defaultRateHz of [0, 2.5, FIRMWARE_MAX_RATE_HZ + 1]) {
      expect(() => firmwareCompileArgs({ defaultRateHz })).toThrow(FirmwareBuildError)
    }
    try {
      firmwareCompileArgs({ version: '1.0 rate=5' })
      expect.unreachable()
    } catch (err) {
      expect(err).toBeInstanceOf(FirmwareBuildError)
      expect((err as FirmwareBuildError).code).toBe(FirmwareErrorCode.BuildFailed)
    }
  })

  it('agrees with the defaults in sluice_config.h', () => {
    expect(configDefault('SLUICE_FW_VERSION')).toBe(`"${FIRMWARE_VERSION}"`)
    expect(configDefault('SLUICE_DEFAULT_RATE_HZ')).toBe(String(FIRMWARE_DEFAULT_RATE_HZ))
    expect(configDefault('SLUICE_MAX_RATE_HZ')).toBe(String(FIRMWARE_MAX_RATE_HZ))
  })

  it('uses the same compiler flags as host/Makefile', () => {
    const flags = firmwareCompileArgs().filter(
      (a) => a.startsWith('-') && !a.startsWith('-DSLUICE_'),
    )
    for (const f of flags)
      expect(makefile.replace('$(MCU)', 'atmega328p').replace('$(F_CPU)', '16000000UL')).toContain(
        f,
      )
  })
})
