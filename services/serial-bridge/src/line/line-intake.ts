/**
 * @module line/line-intake
 * The first step of every serial line: parse it with the contract's line protocol, validate it against the
 * device's channels and ranges, count what is rejected and why, and watch the run of bad lines for a baud
 * or format mismatch. Nothing rejected goes further (DESIGN.md §4: bad input is counted, never forwarded).
 * Pure: the caller passes the read time in.
 */
import {
  lineRejectReasons,
  parseLine,
  type ChannelRange,
  type DeviceInfo,
  type LineRejectReason,
} from '@sluice/contract'
import {
  createMismatchDetector,
  type MismatchDetectorOptions,
  type MismatchEvent,
} from './mismatch-detector.js'

/** Options of {@link createLineIntake}. */
export interface LineIntakeOptions {
  /** Channel names, in the order of the values on a line. */
  readonly channels: readonly string[]
  /** Per-channel bounds by channel name. */
  readonly ranges?: Readonly<Record<string, ChannelRange | undefined>>
  /** Reject lines without a `*XX` checksum. */
  readonly requireChecksum?: boolean
  readonly mismatch?: MismatchDetectorOptions
}

/** What one line turned out to be; `mismatch` is set when this line started or ended a mismatch episode. */
export type IntakeResult = (
  | { readonly kind: 'sample'; readonly seq: number; readonly values: readonly number[] }
  | { readonly kind: 'info'; readonly info: DeviceInfo }
  | { readonly kind: 'ack'; readonly command: string; readonly hz?: number }
  | { readonly kind: 'device-error'; readonly text: string }
  | { readonly kind: 'rejected'; readonly reason: LineRejectReason; readonly detail: string }
) & { readonly mismatch?: MismatchEvent }

/** Running counts of one intake. */
export interface IntakeCounters {
  lines: number
  samples: number
  info: number
  acks: number
  deviceErrors: number
  /** Rejected lines in total, and by reason. */
  rejected: number
  readonly rejectedBy: Record<LineRejectReason, number>
}

/** The intake of one device's lines. */
export interface LineIntake {
  accept(line: string, now: number): IntakeResult
  /** Records a line dropped before parsing (e.g. longer than the reader's limit) as rejected. */
  rejectUnread(reason: LineRejectReason, detail: string, now: number): IntakeResult
  readonly counters: Readonly<IntakeCounters>
  /** Forget the mismatch history (after a reconnect). */
  resetMismatch(): void
}

/**
 * Creates the intake of one device.
 *
 * @example
 * ```ts
 * const intake = createLineIntake({ channels: ['light', 'temp'], ranges: { light: { min: 0, max: 1023 } } })
 * const r = intake.accept('17,450,23.5', Date.now())
 * if (r.kind === 'sample') publish(r.seq, r.values)
 * ```
 */
export function createLineIntake(options: LineIntakeOptions): LineIntake {
  const channels = options.channels
  const ranges = channels.map((c) => options.ranges?.[c])
  const parseOptions = {
    channels,
    ranges,
    ...(options.requireChecksum !== undefined ? { requireChecksum: options.requireChecksum } : {}),
  }
  const detector = createMismatchDetector(options.mismatch)
  const rejectedBy = Object.fromEntries(lineRejectReasons.map((r) => [r, 0])) as Record<
    LineRejectReason,
    number
  >
  const counters: IntakeCounters = {
    lines: 0,
    samples: 0,
    info: 0,
    acks: 0,
    deviceErrors: 0,
    rejected: 0,
    rejectedBy,
  }

  const rejected = (
    reason: LineRejectReason,
    detail: string,
    nonAscii: boolean,
    now: number,
  ): IntakeResult => {
    counters.rejected++
    rejectedBy[reason]++
    // Blank lines are harmless (a sketch's println() at boot): counted, but no evidence of a mismatch.
    const mismatch =
      reason === 'empty'
        ? undefined
        : detector.observe({ ok: false, reason, nonAscii, detail }, now)
    return mismatch
      ? { kind: 'rejected', reason, detail, mismatch }
      : { kind: 'rejected', reason, detail }
  }

  return {
    counters,
    resetMismatch: () => detector.reset(),
    rejectUnread(reason, detail, now) {
      counters.lines++
      return rejected(reason, detail, true, now)
    },
    accept(line, now) {
      counters.lines++
      const r = parseLine(line, parseOptions)
      if (!r.ok) return rejected(r.reason, r.detail, r.nonAscii, now)
      const mismatch = detector.observe({ ok: true }, now)
      const extra = mismatch ? { mismatch } : {}
      switch (r.kind) {
        case 'sample':
          counters.samples++
          return { kind: 'sample', seq: r.seq, values: r.values, ...extra }
        case 'info':
          counters.info++
          return { kind: 'info', info: r.info, ...extra }
        case 'ack':
          counters.acks++
          return r.hz !== undefined
            ? { kind: 'ack', command: r.command, hz: r.hz, ...extra }
            : { kind: 'ack', command: r.command, ...extra }
        case 'device-error':
          counters.deviceErrors++
          return { kind: 'device-error', text: r.text, ...extra }
      }
    },
  }
}
