/**
 * @module line/mismatch-detector
 * Recognises a run of unparsable lines and says why it probably happens (DESIGN.md §10). The commonest
 * cause on a fresh setup is a baud-rate mismatch between the bridge and the sketch's `Serial.begin(…)`: the
 * UART then samples bits at the wrong instants and delivers bytes that are mostly above 0x7F, with random
 * line breaks. The other cause is a device that prints something else than the line protocol (wrong
 * sketch, wrong channel list). One bad line is noise; a run is a diagnosis, reported once per episode and
 * once more when the lines are good again. Pure: time is passed in.
 */
import type { LineRejectReason } from '@sluice/contract'

/** Options of {@link createMismatchDetector}. */
export interface MismatchDetectorOptions {
  /** How many recent lines are considered (default 25). */
  readonly window?: number
  /** How many of them must be bad to raise the alarm (default 20). */
  readonly threshold?: number
  /** …within this many ms (default 2000). */
  readonly withinMs?: number
  /**
   * Share of bad lines with bytes above 0x7F (or garbled) from which the cause is a baud mismatch rather
   * than a wrong line format (default 0.25).
   */
  readonly baudShare?: number
}

/** What the detector reports. */
export type MismatchEvent =
  | {
      readonly kind: 'suspected'
      /** `baud`: garbled bytes, a baud mismatch; `format`: readable but wrong lines. */
      readonly cause: 'baud' | 'format'
      /** Bad lines among the recent ones considered. */
      readonly badLines: number
      /** Time from the first to the last of them, in ms. */
      readonly spanMs: number
      /** The commonest reject reason among them. */
      readonly reason: LineRejectReason
      /** The detail of the latest bad line, for the log. */
      readonly example: string
    }
  | {
      readonly kind: 'recovered'
      /** Bad lines seen during the whole episode. */
      readonly badLines: number
      /** How long the episode lasted, in ms. */
      readonly durationMs: number
    }

/** One line's verdict, fed to the detector. */
export type LineVerdict =
  | { readonly ok: true }
  | {
      readonly ok: false
      readonly reason: LineRejectReason
      readonly nonAscii: boolean
      readonly detail?: string
    }

/** The detector: feed it every line's verdict. */
export interface MismatchDetector {
  /** Records one line; returns an event when an episode starts or ends. */
  observe(verdict: LineVerdict, now: number): MismatchEvent | undefined
  /** Whether an episode is under way. */
  readonly suspected: boolean
  /** Forgets the history (after a reconnect: a new device or a new baud rate). */
  reset(): void
}

/**
 * Creates a mismatch detector.
 *
 * @example
 * ```ts
 * const detector = createMismatchDetector({ window: 25, threshold: 20, withinMs: 2000 })
 * const event = detector.observe({ ok: false, reason: 'garbled', nonAscii: true }, Date.now())
 * if (event?.kind === 'suspected' && event.cause === 'baud') log.warn(describeMismatch(event, …))
 * ```
 */
export function createMismatchDetector(options: MismatchDetectorOptions = {}): MismatchDetector {
  const size = Math.max(1, options.window ?? 25)
  const threshold = Math.min(size, Math.max(1, options.threshold ?? 20))
  const withinMs = options.withinMs ?? 2000
  const baudShare = options.baudShare ?? 0.25
  // Ring of the last `size` lines: time, bad, non-ASCII-or-garbled, reason.
  const times = new Float64Array(size)
  const bad = new Uint8Array(size)
  const garbledish = new Uint8Array(size)
  const reasons: (LineRejectReason | undefined)[] = new Array<LineRejectReason | undefined>(size)
  let head = 0
  let count = 0
  let suspected = false
  let episodeStart = 0
  let episodeBad = 0
  let lastDetail = ''

  const reset = (): void => {
    head = 0
    count = 0
    suspected = false
    episodeBad = 0
  }

  return {
    get suspected() {
      return suspected
    },
    reset,
    observe(verdict, now) {
      const i = head
      times[i] = now
      bad[i] = verdict.ok ? 0 : 1
      garbledish[i] = !verdict.ok && (verdict.nonAscii || verdict.reason === 'garbled') ? 1 : 0
      reasons[i] = verdict.ok ? undefined : verdict.reason
      head = (head + 1) % size
      if (count < size) count++
      if (!verdict.ok) {
        if (verdict.detail !== undefined) lastDetail = verdict.detail
        if (suspected) episodeBad++
      }

      // Count the bad lines among the recent ones that are within the time limit of this one.
      let nBad = 0
      let nGarbled = 0
      let first = now
      const byReason = new Map<LineRejectReason, number>()
      for (let k = 0; k < count; k++) {
        const j = (i - k + size) % size
        if (now - times[j]! > withinMs) break
        if (bad[j] === 1) {
          nBad++
          nGarbled += garbledish[j]!
          first = times[j]!
          const r = reasons[j]!
          byReason.set(r, (byReason.get(r) ?? 0) + 1)
        }
      }

      if (!suspected && nBad >= threshold) {
        suspected = true
        episodeStart = first
        episodeBad = nBad
        let reason: LineRejectReason = 'garbled'
        let best = -1
        for (const [r, n] of byReason) {
          if (n > best) {
            best = n
            reason = r
          }
        }
        return {
          kind: 'suspected',
          cause: nGarbled / nBad >= baudShare ? 'baud' : 'format',
          badLines: nBad,
          spanMs: now - first,
          reason,
          example: lastDetail,
        }
      }
      // The episode ends once fewer than a fifth of the recent lines are bad (hysteresis, so a flapping
      // link does not flood the log with alternating reports).
      if (suspected && count >= size && nBad * 5 < size) {
        suspected = false
        return { kind: 'recovered', badLines: episodeBad, durationMs: now - episodeStart }
      }
      return undefined
    },
  }
}

/** The usual rates of Arduino sketches, most common first. */
export const COMMON_BAUD_RATES: readonly number[] = [115200, 9600, 57600, 38400, 19200, 230400]

/**
 * Formats the operator-facing message of a suspected mismatch: what happened, the likely cause, what to do
 * (STYLE.md, Errors).
 *
 * @example
 * ```ts
 * describeMismatch({ kind: 'suspected', cause: 'baud', badLines: 40, spanMs: 2000, reason: 'garbled',
 *   example: '' }, { port: '/dev/ttyACM0', baudRate: 9600, channels: ['light'] })
 * // 'Port /dev/ttyACM0 gave 40 garbled lines in 2 s: the baud rate (9600) probably does not match the
 * //  sketch's Serial.begin(…). Try --baud 115200.'
 * ```
 */
export function describeMismatch(
  event: Extract<MismatchEvent, { kind: 'suspected' }>,
  context: { port: string; baudRate: number; channels: readonly string[] },
): string {
  const secs = Math.max(0.1, event.spanMs / 1000)
  const span = Number.isInteger(secs) ? `${secs}` : secs.toFixed(1)
  if (event.cause === 'baud') {
    const suggestion = COMMON_BAUD_RATES.find((b) => b !== context.baudRate) ?? 115200
    return (
      `Port ${context.port} gave ${event.badLines} garbled lines in ${span} s: the baud rate ` +
      `(${context.baudRate}) probably does not match the sketch's Serial.begin(…). ` +
      `Try --baud ${suggestion}.`
    )
  }
  const expected = `seq,${context.channels.join(',')}`
  const hint =
    event.reason === 'field-count'
      ? `the device sends a different number of values than the ${context.channels.length} configured ` +
        `channel(s) (${context.channels.join(', ')}): check --channels`
      : event.reason === 'checksum'
        ? 'checksums do not match: check the wiring and the baud rate, or the sketch'
        : event.reason === 'range'
          ? 'values are outside their configured ranges: check the ranges or the sensor'
          : `the device does not seem to speak the Sluice line protocol ("${expected}"): check the sketch`
  return (
    `Port ${context.port} gave ${event.badLines} unusable lines (${event.reason}) in ${span} s: ${hint}. ` +
    `Latest: ${event.example}`
  )
}
