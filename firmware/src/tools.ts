/**
 * @module tools
 * Finding the outside programs the harness runs: `avr-gcc` (Debian `gcc-avr` with `avr-libc`) to build
 * the sketch and `qemu-system-avr` (Debian `qemu-system-misc`) to boot it. Lookups are synchronous and
 * cheap, so tests can decide to skip at collection time.
 */
import { accessSync, constants } from 'node:fs'
import { delimiter, isAbsolute, join } from 'node:path'
import { ToolMissingError } from './errors.js'

/** The programs the harness uses, with the Debian packages that provide them. */
export const FIRMWARE_TOOLS = {
  'avr-gcc': 'gcc-avr avr-libc binutils-avr',
  'qemu-system-avr': 'qemu-system-misc',
} as const

/** One of the programs in {@link FIRMWARE_TOOLS}. */
export type FirmwareTool = keyof typeof FIRMWARE_TOOLS

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/**
 * The absolute path of executable `name`, searched on `PATH` (or returned as is when `name` is an absolute
 * path to an executable), or `undefined` when there is none.
 *
 * @example
 * ```ts
 * findExecutable('avr-gcc') // '/usr/bin/avr-gcc'
 * ```
 */
export function findExecutable(
  name: string,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (isAbsolute(name)) return isExecutable(name) ? name : undefined
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue
    const path = join(dir, name)
    if (isExecutable(path)) return path
  }
  return undefined
}

/**
 * Like {@link findExecutable}, but throws {@link ToolMissingError} naming the package to install.
 *
 * @example
 * ```ts
 * const qemu = requireTool('qemu-system-avr')
 * ```
 */
export function requireTool(
  tool: FirmwareTool,
  override?: string,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const name = override ?? tool
  const path = findExecutable(name, env)
  if (path !== undefined) return path
  throw new ToolMissingError(
    tool,
    `${name} was not found on PATH, so the firmware cannot be ${tool === 'avr-gcc' ? 'built' : 'emulated'}. ` +
      `Install it with: apt-get install ${FIRMWARE_TOOLS[tool]}.`,
  )
}
