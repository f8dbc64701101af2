/**
 * @module build
 * Builds the Sluice sensor sketch with plain `avr-gcc` and `avr-libc`, without the Arduino core: the
 * sketch logic (`sluice_sensor/sluice_core.c`, the same file the Arduino IDE compiles) on the bare-register
 * hardware layer (`host/hal_avr.c`). The result is an ELF that `qemu-system-avr -bios` boots, or that
 * `avr-objcopy` turns into a hex file for a board. `host/Makefile` runs the same command for people; keep
 * the two in step.
 */
import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { FirmwareBuildError } from './errors.js'
import { requireTool } from './tools.js'

/** The firmware version the sketch announces by default (`SLUICE_FW_VERSION` in `sluice_config.h`). */
export const FIRMWARE_VERSION = '0.1.0'

/** The rate the sketch samples at after boot, in hertz (`SLUICE_DEFAULT_RATE_HZ`). */
export const FIRMWARE_DEFAULT_RATE_HZ = 10

/** The highest rate the sketch accepts with `R<hz>` (`SLUICE_MAX_RATE_HZ`). */
export const FIRMWARE_MAX_RATE_HZ = 1000

/** The package's root directory: `src/` and `dist/` both sit one level below it. */
const FIRMWARE_ROOT = fileURLToPath(new URL('..', import.meta.url))

/** Directories of the sketch (what the Arduino IDE opens) and of the plain avr-gcc build. */
export const firmwareSourceDirs = {
  sketch: join(FIRMWARE_ROOT, 'sluice_sensor'),
  host: join(FIRMWARE_ROOT, 'host'),
} as const

/** Options of {@link buildFirmware}. */
export interface BuildFirmwareOptions {
  /** Replace the ADC by the synthetic waveform with anomalies (default true: emulators read the ADC as 0). */
  readonly synthetic?: boolean
  /** Append the `*XX` checksum to sample lines (default true). */
  readonly checksum?: boolean
  /** Sample the temperature channel too (default true): lines carry `light,temp`, else `light` only. */
  readonly tempChannel?: boolean
  /** Rate after boot, 1 … {@link FIRMWARE_MAX_RATE_HZ} (default {@link FIRMWARE_DEFAULT_RATE_HZ}). */
  readonly defaultRateHz?: number
  /** Version string announced at boot (default {@link FIRMWARE_VERSION}); letters, digits, `.+-` only. */
  readonly version?: string
  /** Directory for `sluice_sensor.elf` (created if needed; default: a new temporary directory). */
  readonly outDir?: string
  /** The compiler (default `avr-gcc` on `PATH`). */
  readonly compiler?: string
  /** Give up after this many milliseconds (default 60 000). */
  readonly timeoutMs?: number
}

const VERSION_PATTERN = /^[0-9A-Za-z.+-]{1,24}$/

/**
 * The `avr-gcc` arguments (without the output file) that build the sketch for an ATmega328P at 16 MHz
 * with `options`. Pure; throws {@link FirmwareBuildError} on an invalid option.
 *
 * @example
 * ```ts
 * firmwareCompileArgs({ synthetic: true }) // ['-mmcu=atmega328p', '-DF_CPU=16000000UL', '-Os', …]
 * ```
 */
export function firmwareCompileArgs(options: BuildFirmwareOptions = {}): string[] {
  const rate = options.defaultRateHz ?? FIRMWARE_DEFAULT_RATE_HZ
  if (!Number.isInteger(rate) || rate < 1 || rate > FIRMWARE_MAX_RATE_HZ) {
    throw new FirmwareBuildError(
      `defaultRateHz ${rate} is not an integer in 1…${FIRMWARE_MAX_RATE_HZ}: the sketch schedules whole hertz.`,
    )
  }
  const version = options.version ?? FIRMWARE_VERSION
  if (!VERSION_PATTERN.test(version)) {
    throw new FirmwareBuildError(
      `version '${version}' must be 1-24 letters, digits, '.', '+' or '-': it is printed in the boot line.`,
    )
  }
  const flag = (on: boolean | undefined, fallback: boolean) => ((on ?? fallback) ? '1' : '0')
  const { sketch, host } = firmwareSourceDirs
  return [
    '-mmcu=atmega328p',
    '-DF_CPU=16000000UL',
    '-Os',
    '-std=gnu99',
    '-Wall',
    '-Wextra',
    '-ffunction-sections',
    '-fdata-sections',
    '-Wl,--gc-sections',
    `-DSLUICE_SYNTHETIC=${flag(options.synthetic, true)}`,
    `-DSLUICE_CHECKSUM=${flag(options.checksum, true)}`,
    `-DSLUICE_TEMP_CHANNEL=${flag(options.tempChannel, true)}`,
    `-DSLUICE_DEFAULT_RATE_HZ=${rate}`,
    // execFile passes this without a shell, so the quotes reach the preprocessor and make a C string.
    `-DSLUICE_FW_VERSION="${version}"`,
    join(host, 'main.c'),
    join(host, 'hal_avr.c'),
    join(sketch, 'sluice_core.c'),
    join(sketch, 'sluice_synth.c'),
  ]
}

/**
 * Compiles the sketch with plain `avr-gcc` and returns the path of `sluice_sensor.elf`. Throws
 * {@link ToolMissingError} when `avr-gcc` is not installed and {@link FirmwareBuildError} when it fails.
 *
 * @example
 * ```ts
 * const elfPath = await buildFirmware({ synthetic: true })
 * const emu = await startEmulator(elfPath)
 * ```
 */
export async function buildFirmware(options: BuildFirmwareOptions = {}): Promise<string> {
  const args = firmwareCompileArgs(options)
  const cc = requireTool('avr-gcc', options.compiler)
  const ownDir = options.outDir === undefined
  const outDir = options.outDir ?? (await mkdtemp(join(tmpdir(), 'sluice-fw-')))
  await mkdir(outDir, { recursive: true })
  const elfPath = join(outDir, 'sluice_sensor.elf')
  await compile(cc, [...args, '-o', elfPath], options.timeoutMs).catch(async (err: unknown) => {
    // A temp directory made for this build holds nothing of use once it failed.
    if (ownDir) await rm(outDir, { recursive: true, force: true })
    throw err
  })
  return elfPath
}

/** Runs the compiler; rejects with a {@link FirmwareBuildError} carrying its output. */
function compile(cc: string, args: readonly string[], timeoutMs = 60_000): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    execFile(
      cc,
      args,
      { timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err === null) {
          resolve()
          return
        }
        const output = `${stdout}${stderr}`.trim()
        reject(
          new FirmwareBuildError(
            `avr-gcc could not build the firmware (${err.message.split('\n')[0] ?? 'failed'}). ` +
              'Check that avr-libc is installed (apt-get install avr-libc) and see the compiler output.',
            output,
            { cause: err },
          ),
        )
      },
    )
  })
}
