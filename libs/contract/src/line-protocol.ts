/**
 * @module line-protocol
 * The serial line protocol spoken between a Sluice device (the Arduino sketch, an emulator, the simulator)
 * and the serial bridge (DESIGN.md §10). It is pure and browser-safe, so the bridge, the firmware tests and
 * the CLI all agree on one definition.
 *
 * Grammar (one line per sample, ASCII, terminated by `\n`; a trailing `\r` is tolerated):
 *
 * ```text
 * sample   = seq "," value *( "," value ) [ "*" checksum ]
 * seq      = 1*DIGIT                      ; device sequence number, 0 … 2^53−1
 * value    = [ "-" ] 1*DIGIT [ "." 1*DIGIT ] [ ("e"/"E") [ "+"/"-" ] 1*DIGIT ]
 * checksum = 2HEXDIG                      ; XOR of every byte before "*", like NMEA 0183
 * info     = "#" text                     ; e.g. "# sluice-fw 1.0 rate=10 channels=light,temp"
 * ack      = "OK " command                ; e.g. "OK R20", the answer to the rate command "R20\n"
 * error    = "ERR " text                  ; e.g. "ERR R0 out of range"
 * ```
 *
 * The checksum is the bitwise XOR of every byte of the line before the `*` (the leading `seq` included),
 * written as two hexadecimal digits — the NMEA 0183 sentence checksum without NMEA's leading `$`. The
 * firmware prints it in upper case; the parser accepts either case. Example: `17,450` → `*1B`.
 *
 * Info lines start with `#`. The firmware prints one at boot, `# <firmware> <version> key=value …`, with the
 * keys `rate` (samples per second) and `channels` (comma-separated channel names) defined here; other keys
 * are kept verbatim. Any other `#` line is a comment, also reported as `info`.
 */

/** Why a line was rejected. Rejected lines are counted, never forwarded downstream. */
export type LineRejectReason =
  /** Empty line (after removing a trailing `\r`). */
  | 'empty'
  /** Longer than the maximum line length. */
  | 'too-long'
  /** Holds bytes outside printable ASCII: the typical sign of a baud-rate mismatch or line noise. */
  | 'garbled'
  /** Printable ASCII, but a field is not a number (e.g. `nan` or `abc`). */
  | 'number'
  /** The sequence number is not a non-negative safe integer. */
  | 'seq'
  /** A `*XX` suffix that is malformed or does not match, or a missing one when checksums are required. */
  | 'checksum'
  /** The number of values differs from the number of configured channels. */
  | 'field-count'
  /** A value lies outside its channel's configured [min, max]. */
  | 'range'

/** All reject reasons, in a stable order (for counters and metrics). */
export const lineRejectReasons: readonly LineRejectReason[] = [
  'empty',
  'too-long',
  'garbled',
  'number',
  'seq',
  'checksum',
  'field-count',
  'range',
]

/** Inclusive bounds for one channel; a missing bound is open. */
export interface ChannelRange {
  readonly min?: number
  readonly max?: number
}

/** Options of {@link parseLine}. */
export interface ParseLineOptions {
  /** The channel names (or just their count) a sample line must carry, in order. */
  readonly channels: number | readonly string[]
  /** Per-channel bounds, aligned with `channels`; `undefined` entries are unbounded. */
  readonly ranges?: readonly (ChannelRange | undefined)[]
  /** Reject sample lines without a `*XX` checksum (default false: the checksum is optional). */
  readonly requireChecksum?: boolean
  /** Maximum line length in characters, without the terminator (default {@link LINE_MAX_LENGTH}). */
  readonly maxLength?: number
}

/** What a device announces in its boot line, `# sluice-fw 1.0 rate=10 channels=light,temp`. */
export interface DeviceInfo {
  /** The whole text after `#`, trimmed. */
  readonly text: string
  /** First word, e.g. `sluice-fw`; absent on a bare comment line. */
  readonly firmware?: string
  /** Second word, e.g. `1.0`. */
  readonly version?: string
  /** `rate=<hz>` when present and numeric. */
  readonly rateHz?: number
  /** `channels=a,b` when present. */
  readonly channels?: readonly string[]
  /** Every `key=value` word, verbatim. */
  readonly fields: Readonly<Record<string, string>>
}

/** A valid sample line. */
export interface SampleLine {
  readonly ok: true
  readonly kind: 'sample'
  readonly seq: number
  readonly values: readonly number[]
  /** Whether the line carried a (valid) checksum. */
  readonly checksummed: boolean
}

/** A `#` line: boot banner or comment. */
export interface InfoLine {
  readonly ok: true
  readonly kind: 'info'
  readonly info: DeviceInfo
}

/** An acknowledgement `OK <command>`; `hz` is set for the rate command `OK R<hz>`. */
export interface AckLine {
  readonly ok: true
  readonly kind: 'ack'
  readonly command: string
  readonly hz?: number
}

/** A device-reported error, `ERR <text>`. */
export interface DeviceErrorLine {
  readonly ok: true
  readonly kind: 'device-error'
  readonly text: string
}

/** A rejected line, with the reason and a short human-readable detail. */
export interface RejectedLine {
  readonly ok: false
  readonly reason: LineRejectReason
  readonly detail: string
  /** Whether the line held bytes above 0x7F — what a baud-rate mismatch typically produces. */
  readonly nonAscii: boolean
}

/** The result of {@link parseLine}. */
export type ParsedLine = SampleLine | InfoLine | AckLine | DeviceErrorLine | RejectedLine

/** Default maximum line length in characters: far above any sane sample line, small enough to bound memory. */
export const LINE_MAX_LENGTH = 256

const NUMBER = /^-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?$/
const DIGITS = /^\d+$/
const HEX2 = /^[0-9A-Fa-f]{2}$/
const RATE_COMMAND = /^R(\d+(?:\.\d+)?)$/

/**
 * The protocol checksum of `body`: the XOR of its character codes (its bytes, for ASCII text), as a number
 * 0–255.
 *
 * @example
 * ```ts
 * lineChecksum('17,450') // 0x1b
 * ```
 */
export function lineChecksum(body: string): number {
  let x = 0
  for (let i = 0; i < body.length; i++) x ^= body.charCodeAt(i)
  return x & 0xff
}

/** Two upper-case hexadecimal digits, as the firmware prints them. */
function hex2(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, '0')
}

/**
 * Formats one sample line, terminator included.
 *
 * @example
 * ```ts
 * formatLine(17, [450, 23.5])                      // '17,450,23.5\n'
 * formatLine(17, [450], { checksum: true })        // '17,450*1B\n'
 * ```
 */
export function formatLine(
  seq: number,
  values: readonly number[],
  options: { checksum?: boolean } = {},
): string {
  const body = `${seq},${values.join(',')}`
  return options.checksum === true ? `${body}*${hex2(lineChecksum(body))}\n` : `${body}\n`
}

/**
 * Formats the rate command the bridge sends to a device, terminator included.
 *
 * @example
 * ```ts
 * formatRateCommand(20) // 'R20\n'
 * ```
 */
export function formatRateCommand(hz: number): string {
  return `R${hz}\n`
}

/**
 * Formats a device boot line.
 *
 * @example
 * ```ts
 * formatInfoLine({ firmware: 'sluice-fw', version: '1.0', rateHz: 10, channels: ['light', 'temp'] })
 * // '# sluice-fw 1.0 rate=10 channels=light,temp\n'
 * ```
 */
export function formatInfoLine(info: {
  firmware: string
  version: string
  rateHz?: number
  channels?: readonly string[]
}): string {
  let text = `# ${info.firmware} ${info.version}`
  if (info.rateHz !== undefined) text += ` rate=${info.rateHz}`
  if (info.channels !== undefined) text += ` channels=${info.channels.join(',')}`
  return `${text}\n`
}

function reject(reason: LineRejectReason, detail: string, nonAscii = false): RejectedLine {
  return { ok: false, reason, detail, nonAscii }
}

function parseInfo(text: string): DeviceInfo {
  const words = text.split(/\s+/).filter((w) => w.length > 0)
  const fields: Record<string, string> = {}
  const plain: string[] = []
  for (const w of words) {
    const eq = w.indexOf('=')
    if (eq > 0) fields[w.slice(0, eq)] = w.slice(eq + 1)
    else plain.push(w)
  }
  const rate =
    fields.rate !== undefined && NUMBER.test(fields.rate) ? Number(fields.rate) : undefined
  const channels =
    fields.channels !== undefined
      ? fields.channels.split(',').filter((c) => c.length > 0)
      : undefined
  return {
    text,
    ...(plain[0] !== undefined ? { firmware: plain[0] } : {}),
    ...(plain[1] !== undefined ? { version: plain[1] } : {}),
    ...(rate !== undefined ? { rateHz: rate } : {}),
    ...(channels !== undefined ? { channels } : {}),
    fields,
  }
}

/**
 * Parses one line received from a device (with or without its `\n`). Never throws: a bad line comes back as
 * `{ ok: false, reason, detail }`, and a good one as a `sample`, `info`, `ack` or `device-error` line.
 *
 * Checks, in order: length, printable ASCII (`garbled`), checksum (when present or required), numbers,
 * sequence number, field count, then per-channel ranges.
 *
 * @example
 * ```ts
 * parseLine('17,450,23.5\n', { channels: ['light', 'temp'] })
 * // { ok: true, kind: 'sample', seq: 17, values: [450, 23.5], checksummed: false }
 * parseLine('17,4\u00e90\n', { channels: 1 })
 * // { ok: false, reason: 'garbled', detail: '…', nonAscii: true }
 * ```
 */
export function parseLine(raw: string, options: ParseLineOptions): ParsedLine {
  let end = raw.length
  if (end > 0 && raw.charCodeAt(end - 1) === 0x0a) end--
  if (end > 0 && raw.charCodeAt(end - 1) === 0x0d) end--
  if (end === 0) return reject('empty', 'empty line')
  const maxLength = options.maxLength ?? LINE_MAX_LENGTH
  let nonAscii = false
  let nonPrintable = false
  for (let i = 0; i < end; i++) {
    const c = raw.charCodeAt(i)
    if (c > 0x7e) nonAscii = true
    if (c < 0x20 || c > 0x7e) nonPrintable = true
  }
  if (end > maxLength)
    return reject('too-long', `line of ${end} characters (max ${maxLength})`, nonAscii)
  if (nonPrintable) return reject('garbled', 'bytes outside printable ASCII', nonAscii)
  const line = end === raw.length ? raw : raw.slice(0, end)

  const first = line.charCodeAt(0)
  if (first === 0x23 /* '#' */)
    return { ok: true, kind: 'info', info: parseInfo(line.slice(1).trim()) }
  if (line.startsWith('OK ')) {
    const command = line.slice(3).trim()
    const m = RATE_COMMAND.exec(command)
    return m
      ? { ok: true, kind: 'ack', command, hz: Number(m[1]) }
      : { ok: true, kind: 'ack', command }
  }
  if (line.startsWith('ERR')) return { ok: true, kind: 'device-error', text: line.slice(3).trim() }

  let body = line
  let checksummed = false
  const star = line.lastIndexOf('*')
  if (star >= 0) {
    body = line.slice(0, star)
    const given = line.slice(star + 1)
    if (!HEX2.test(given)) return reject('checksum', `malformed checksum suffix '*${given}'`)
    const expected = lineChecksum(body)
    if (parseInt(given, 16) !== expected)
      return reject(
        'checksum',
        `checksum *${given.toUpperCase()} but the line sums to *${hex2(expected)}`,
      )
    checksummed = true
  } else if (options.requireChecksum === true) {
    return reject('checksum', 'missing *XX checksum')
  }

  const fields = body.split(',')
  const seqText = fields[0] ?? ''
  if (!DIGITS.test(seqText)) {
    return NUMBER.test(seqText)
      ? reject('seq', `sequence number '${seqText}' is not a non-negative integer`)
      : reject('number', `sequence number '${clip(seqText)}' is not a number`)
  }
  const seq = Number(seqText)
  if (!Number.isSafeInteger(seq)) return reject('seq', `sequence number ${seqText} is too large`)

  const expectedCount =
    typeof options.channels === 'number' ? options.channels : options.channels.length
  const values: number[] = []
  for (let i = 1; i < fields.length; i++) {
    const f = fields[i]!
    if (!NUMBER.test(f)) return reject('number', `value ${i} '${clip(f)}' is not a number`)
    const v = Number(f)
    if (!Number.isFinite(v)) return reject('number', `value ${i} '${clip(f)}' is not finite`)
    values.push(v)
  }
  if (values.length !== expectedCount)
    return reject('field-count', `${values.length} values, expected ${expectedCount}`)

  const ranges = options.ranges
  if (ranges !== undefined) {
    for (let i = 0; i < values.length; i++) {
      const r = ranges[i]
      const v = values[i]!
      if (r === undefined) continue
      if ((r.min !== undefined && v < r.min) || (r.max !== undefined && v > r.max)) {
        const name = typeof options.channels === 'number' ? `${i}` : (options.channels[i] ?? `${i}`)
        return reject(
          'range',
          `channel ${name} value ${v} is outside [${r.min ?? '-∞'}, ${r.max ?? '+∞'}]`,
        )
      }
    }
  }
  return { ok: true, kind: 'sample', seq, values, checksummed }
}

function clip(s: string): string {
  return s.length > 16 ? `${s.slice(0, 16)}…` : s
}

/**
 * The most lines per second a serial link can carry: each byte costs `bits` bit times (10 for 8N1: start,
 * eight data bits, stop). `line` is the line as sent, terminator included, or its length in bytes.
 *
 * @example
 * ```ts
 * maxLinesPerSecond(9600, '1023\n', { bits: 10 }) // 192
 * ```
 */
export function maxLinesPerSecond(
  baud: number,
  line: string | number,
  options: { bits?: number } = {},
): number {
  const bytes = typeof line === 'number' ? line : new TextEncoder().encode(line).length
  const bits = options.bits ?? 10
  if (bytes <= 0 || bits <= 0 || baud <= 0) return 0
  return Math.floor(baud / bits / bytes)
}
