/**
 * @module serial/list-ports
 * Lists serial ports for `--list`. On Linux `SerialPort.list()` spawns `udevadm info -e`, which most
 * containers lack (no systemd/udev), and then fails with a bare `spawn udevadm ENOENT`. We catch that and say
 * what it means, and still show the device files that look like serial ports (`/dev/ttyACM*`, `/dev/ttyUSB*`,
 * …): in a container the port passed with `--device` is there even without udev.
 */
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { PortListError } from '../errors.js'

/** One serial port as listed. */
export interface PortEntry {
  readonly path: string
  readonly manufacturer?: string
  readonly serialNumber?: string
  readonly vendorId?: string
  readonly productId?: string
}

/** Dependencies of {@link listPorts}, replaceable in tests. */
export interface ListPortsDeps {
  /** The port lister (default `SerialPort.list`). */
  readonly list?: () => Promise<readonly PortEntry[]>
  /** Where device files live (default `/dev`). */
  readonly devDir?: string
}

// The same device-name pattern as @serialport/bindings-cpp's linux-list.js.
const SERIAL_NAME = /^(tty(S|WCH|ACM|USB|AMA|MFD|O|XRUSB)|rfcomm)/

/** Device files under `devDir` whose names look like serial ports, sorted. */
export function serialDeviceFiles(devDir = '/dev'): string[] {
  try {
    return readdirSync(devDir)
      .filter((n) => SERIAL_NAME.test(n))
      .sort()
      .map((n) => join(devDir, n))
  } catch {
    return []
  }
}

/**
 * Lists serial ports.
 *
 * @throws {PortListError} when the system lister fails; its message explains the likely cause (no
 *   `udevadm`) and lists the serial-looking device files found instead.
 *
 * @example
 * ```ts
 * try { console.log(formatPortList(await listPorts())) } catch (err) { console.error(String(err)) }
 * ```
 */
export async function listPorts(deps: ListPortsDeps = {}): Promise<readonly PortEntry[]> {
  // serialport is loaded only for `--list` (and by a serial link), not by every bridge (issue 16).
  const list = deps.list ?? (async () => (await import('serialport')).SerialPort.list())
  try {
    return await list()
  } catch (err) {
    const e = err as { code?: unknown; message?: unknown; path?: unknown }
    const message = typeof e.message === 'string' ? e.message : String(err)
    const files = serialDeviceFiles(deps.devDir)
    const found =
      files.length > 0
        ? ` Serial-looking device files: ${files.join(', ')}.`
        : ' No serial-looking device files were found either.'
    const why = /udevadm/.test(message)
      ? /ENOENT/.test(message) || e.code === 'ENOENT'
        ? 'the system tool `udevadm` is not installed (usual in containers, which run without udev)'
        : `\`udevadm\` failed (${message})`
      : message
    throw new PortListError(
      `Cannot list serial ports: ${why}.${found} Give the port directly with --port, e.g. ` +
        '--port /dev/ttyACM0 (Arduino Uno) or /dev/ttyUSB0 (USB-serial adapters); in Docker, pass it ' +
        'with --device.',
      { cause: err },
    )
  }
}

/** Formats ports one per line, for people. */
export function formatPortList(ports: readonly PortEntry[]): string {
  if (ports.length === 0) return 'No serial ports found. Is the board plugged in?'
  return ports
    .map((p) => {
      const ids = p.vendorId !== undefined ? ` [${p.vendorId}:${p.productId ?? '?'}]` : ''
      const who = p.manufacturer !== undefined ? `  ${p.manufacturer}` : ''
      const sn = p.serialNumber !== undefined ? `  s/n ${p.serialNumber}` : ''
      return `${p.path}${ids}${who}${sn}`
    })
    .join('\n')
}

/**
 * Prints the serial ports (or why they cannot be listed) for `--list`; resolves with an exit code.
 *
 * @example
 * ```ts
 * process.exitCode = await printPortList()
 * ```
 */
export async function printPortList(
  deps: ListPortsDeps & { out?: (text: string) => void; err?: (text: string) => void } = {},
): Promise<number> {
  const out = deps.out ?? ((t: string) => process.stdout.write(`${t}\n`))
  const err = deps.err ?? ((t: string) => process.stderr.write(`${t}\n`))
  try {
    out(formatPortList(await listPorts(deps)))
    return 0
  } catch (e) {
    err(e instanceof Error ? e.message : String(e))
    return 1
  }
}
