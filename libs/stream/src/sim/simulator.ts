/**
 * @module sim/simulator
 * Simulated sensors, for running and testing the whole mesh without hardware (DESIGN.md §10). Each device
 * samples all its channels at one rate, like the firmware; each channel is a sine plus a linear trend plus
 * Gaussian noise from a seeded generator, with spikes, level shifts and drifts injected at known sequence
 * numbers. The generator is pure: time is passed in (`advance(now)`), so a test can replay an hour of data
 * in a millisecond and get the same numbers on every run, and the anomaly service's findings can be checked
 * against {@link Simulator.injected}.
 */
import { SimErrorCode, StreamError } from '../errors.js'
import { createPrng, seedFrom, type Prng } from './prng.js'

/** What an injected anomaly does to its channel. */
export type InjectedAnomalyKind = 'spike' | 'shift' | 'drift' | 'decouple'

/** One anomaly to inject, placed by device sequence number. */
export interface AnomalySpec {
  readonly kind: InjectedAnomalyKind
  /** The device sequence number where it starts. */
  readonly at: number
  /**
   * `spike`: added to the one sample at `at`. `shift`: added to every sample from `at` on. `drift`: the
   * offset reached after `duration` samples, growing linearly from 0 at `at` and held afterwards.
   * `decouple`: ignored; for `duration` samples the channel's load term is mirrored around the load's base
   * (it falls when the load rises), so the channel stays in its range but breaks its relation to the
   * device's other channels.
   */
  readonly magnitude: number
  /**
   * `drift`: samples over which the drift ramps up (default 100). `decouple`: samples during which the
   * channel follows its device's load the wrong way round (default 100).
   */
  readonly duration?: number
}

/** One simulated channel: `base + amplitude·sin(2π·(t−t0)/periodMs + phase) + trend + noise + anomalies`. */
export interface SimChannelSpec {
  readonly name: string
  readonly base?: number
  readonly amplitude?: number
  /** Sine period in ms (default 60 000). */
  readonly periodMs?: number
  /** Sine phase in radians (default 0). */
  readonly phase?: number
  /** Linear trend in units per second of event time (default 0). */
  readonly trendPerSecond?: number
  /** Standard deviation of the Gaussian noise (default 1). */
  readonly noiseStd?: number
  readonly anomalies?: readonly AnomalySpec[]
  /** Clamp like an ADC would (e.g. 0…1023). */
  readonly min?: number
  readonly max?: number
  /** Round to this many decimals (0 gives integers, like `analogRead`); default: no rounding. */
  readonly decimals?: number
  /** How much of the device's shared `load` this channel carries (default 0: none). */
  readonly loadGain?: number
}

/**
 * A device's shared load: one hidden signal that every channel with a `loadGain` follows, so the channels
 * are correlated (a pump's current, pressure and flow all rise with its load).
 */
export interface SimLoadSpec {
  /** Sine amplitude of the load around 0 (default 1). */
  readonly amplitude?: number
  /** Sine period in ms (default 60 000). */
  readonly periodMs?: number
  /** Standard deviation of the load's own noise, shared by all channels (default 0.1). */
  readonly noiseStd?: number
}

/** One simulated device: a rate and its channels, all sampled together like one firmware line. */
export interface SimDeviceSpec {
  readonly id: string
  readonly rateHz: number
  readonly channels: readonly SimChannelSpec[]
  /** First sequence number (default 0). */
  readonly startSeq?: number
  /** A load shared by the channels (see {@link SimChannelSpec.loadGain}). */
  readonly load?: SimLoadSpec
}

/** Options of {@link createSimulator}. */
export interface SimulatorOptions {
  readonly devices: readonly SimDeviceSpec[]
  /** Master seed (default 1); each channel derives its own stream from it and its name. */
  readonly seed?: number
  /** Event time of every device's first sample, in ms since the epoch. */
  readonly startTime: number
  /** Most lines one `advance` call produces (default 100 000); the rest come on the next call. */
  readonly maxLinesPerAdvance?: number
}

/** One generated line: what the firmware would print, plus its event time. */
export interface SimLine {
  readonly device: string
  readonly seq: number
  readonly t: number
  /** One value per channel, in the device's channel order. */
  readonly values: readonly number[]
}

/** An anomaly position, for checking what a detector finds. `t` is set once the sample has been generated. */
export interface InjectedAnomaly {
  readonly device: string
  readonly channel: string
  readonly kind: InjectedAnomalyKind
  readonly seq: number
  readonly magnitude: number
  readonly duration?: number
  readonly t?: number
}

/** A running simulation. */
export interface Simulator {
  /** Device ids, in configuration order. */
  readonly devices: readonly string[]
  /**
   * Generates every sample due at or before `now`, device by device, each device's lines in time order.
   * With `emit`, lines are handed over one by one and the returned array is empty (no allocation for it).
   * At most `maxLines` lines (default and cap: `maxLinesPerAdvance`), each device at most its equal share
   * of them, so a bounded catch-up does not starve the devices listed last; the rest come on the next call.
   */
  advance(now: number, emit?: (line: SimLine) => void, maxLines?: number): SimLine[]
  /** Changes a device's rate from its next sample on (the rate command `R<hz>`). */
  setRate(device: string, hz: number): void
  /** A device's current rate in Hz. */
  rate(device: string): number
  /** Event time of the next sample any device will produce. */
  nextDue(): number
  /** Every planned anomaly, in (device, channel, seq) order; `t` is filled in once generated. */
  injected(): readonly InjectedAnomaly[]
}

interface ChannelState {
  readonly spec: SimChannelSpec
  readonly prng: Prng
  readonly anomalies: readonly AnomalySpec[]
  /** The `at` of every anomaly, so that a sample checks for one in O(1) rather than scanning the plan. */
  readonly anomalyAt: ReadonlySet<number>
  readonly base: number
  readonly amplitude: number
  readonly omega: number
  readonly phase: number
  readonly trend: number
  readonly noiseStd: number
  readonly scale: number | undefined
  // Incremental anomaly state (see anomalyOffset).
  next: number
  settled: number
  spike: number
  readonly drifts: AnomalySpec[]
  readonly loadGain: number
  /** Sequence number up to which (exclusive) a `decouple` anomaly mirrors the load term. */
  decoupleUntil: number
}

interface DeviceState {
  readonly id: string
  readonly load: { amplitude: number; omega: number; noiseStd: number; prng: Prng } | undefined
  readonly channels: readonly ChannelState[]
  rateHz: number
  seq: number
  nextT: number
  // Times are computed from an anchor (the first sample at the current rate), not by adding the period
  // repeatedly, so that they do not drift by accumulated rounding at epoch-sized magnitudes.
  anchorT: number
  anchorSeq: number
}

function checkRate(where: string, hz: number): void {
  if (!Number.isFinite(hz) || hz <= 0) {
    throw new StreamError(
      SimErrorCode.InvalidSpec,
      `${where}: rate must be a positive number of Hz, got ${hz}`,
    )
  }
}

/**
 * The anomaly offset of a channel at sequence number `seq`, computed incrementally: sequence numbers only
 * grow, so anomalies are visited once when reached; finished shifts and drifts fold into `settled`. The
 * cost per sample is O(1 + active drifts), however many anomalies are planned.
 */
function anomalyOffset(c: ChannelState, seq: number): number {
  const list = c.anomalies
  while (c.next < list.length && list[c.next]!.at <= seq) {
    const a = list[c.next++]!
    if (a.kind === 'shift') c.settled += a.magnitude
    else if (a.kind === 'drift') c.drifts.push(a)
    else if (a.kind === 'decouple') c.decoupleUntil = a.at + (a.duration ?? 100)
    else if (a.at === seq) c.spike += a.magnitude
  }
  let off = c.settled + c.spike
  c.spike = 0
  for (let i = 0; i < c.drifts.length; i++) {
    const a = c.drifts[i]!
    const d = a.duration ?? 100
    if (seq - a.at >= d) {
      c.settled += a.magnitude
      off += a.magnitude
      c.drifts.splice(i--, 1)
    } else {
      off += (a.magnitude * (seq - a.at)) / d
    }
  }
  return off
}

/** Validates the device specs and builds each device's and channel's state, at `startTime`. */
function createDeviceStates(options: SimulatorOptions): DeviceState[] {
  const seed = options.seed ?? 1
  const t0 = options.startTime
  const ids = new Set<string>()
  return options.devices.map((d) => {
    if (ids.has(d.id)) {
      throw new StreamError(SimErrorCode.InvalidSpec, `simulated device '${d.id}' is defined twice`)
    }
    ids.add(d.id)
    checkRate(`simulated device '${d.id}'`, d.rateHz)
    if (d.channels.length === 0) {
      throw new StreamError(SimErrorCode.InvalidSpec, `simulated device '${d.id}' has no channels`)
    }
    return {
      id: d.id,
      load:
        d.load === undefined
          ? undefined
          : {
              amplitude: d.load.amplitude ?? 1,
              omega: (2 * Math.PI) / (d.load.periodMs ?? 60_000),
              noiseStd: d.load.noiseStd ?? 0.1,
              prng: createPrng(seedFrom(seed, `${d.id}/_load`)),
            },
      rateHz: d.rateHz,
      seq: d.startSeq ?? 0,
      nextT: t0,
      anchorT: t0,
      anchorSeq: d.startSeq ?? 0,
      channels: d.channels.map((c) => ({
        spec: c,
        prng: createPrng(seedFrom(seed, `${d.id}/${c.name}`)),
        anomalies: [...(c.anomalies ?? [])].sort((a, b) => a.at - b.at),
        anomalyAt: new Set((c.anomalies ?? []).map((a) => a.at)),
        base: c.base ?? 0,
        amplitude: c.amplitude ?? 0,
        omega: (2 * Math.PI) / (c.periodMs ?? 60_000),
        phase: c.phase ?? 0,
        trend: c.trendPerSecond ?? 0,
        noiseStd: c.noiseStd ?? 1,
        scale: c.decimals !== undefined ? 10 ** c.decimals : undefined,
        next: 0,
        settled: 0,
        spike: 0,
        drifts: [],
        loadGain: c.loadGain ?? 0,
        decoupleUntil: Number.NEGATIVE_INFINITY,
      })),
    }
  })
}

/** The key under which the event time of an injected anomaly is remembered. */
function injectedKey(device: string, channel: string, seq: number): string {
  return `${device}\u0000${channel}\u0000${seq}`
}

/** The value of channel `c` at sequence number `seq`, `dt` ms after the start, under the device's `load`. */
function channelValue(c: ChannelState, seq: number, dt: number, load: number): number {
  let v =
    c.base +
    c.amplitude * Math.sin(c.omega * dt + c.phase) +
    (c.trend * dt) / 1000 +
    c.noiseStd * c.prng.gaussian()
  if (c.anomalies.length > 0) v += anomalyOffset(c, seq)
  if (c.loadGain !== 0) v += (seq < c.decoupleUntil ? -1 : 1) * c.loadGain * load
  if (c.spec.min !== undefined && v < c.spec.min) v = c.spec.min
  if (c.spec.max !== undefined && v > c.spec.max) v = c.spec.max
  if (c.scale !== undefined) v = Math.round(v * c.scale) / c.scale
  return v
}

/** The device's shared load at `dt` ms after the start (0 without one). */
function loadOf(d: DeviceState, dt: number): number {
  const l = d.load
  return l === undefined ? 0 : l.amplitude * Math.sin(l.omega * dt) + l.noiseStd * l.prng.gaussian()
}

/** Every planned anomaly, with the event time of those already reached (`seenT`). */
function listInjected(
  devices: readonly DeviceState[],
  seenT: ReadonlyMap<string, number>,
): InjectedAnomaly[] {
  const list: InjectedAnomaly[] = []
  for (const d of devices) {
    for (const c of d.channels) {
      for (const a of c.anomalies) {
        const t = seenT.get(injectedKey(d.id, c.spec.name, a.at))
        list.push({
          device: d.id,
          channel: c.spec.name,
          kind: a.kind,
          seq: a.at,
          magnitude: a.magnitude,
          ...(a.duration !== undefined ? { duration: a.duration } : {}),
          ...(t !== undefined ? { t } : {}),
        })
      }
    }
  }
  return list
}

/**
 * Creates a simulator. Deterministic: the same options give the same lines for the same sequence of calls.
 *
 * @example
 * ```ts
 * const sim = createSimulator({
 *   startTime: Date.parse('2026-01-01T00:00:00Z'),
 *   seed: 7,
 *   devices: [{ id: 'bench', rateHz: 10, channels: [
 *     { name: 'light', base: 500, amplitude: 100, noiseStd: 5, decimals: 0,
 *       anomalies: [{ kind: 'spike', at: 300, magnitude: 200 }] },
 *     { name: 'temp', base: 21, amplitude: 0.5, noiseStd: 0.05, decimals: 2 },
 *   ] }],
 * })
 * for (const line of sim.advance(Date.parse('2026-01-01T00:01:00Z'))) console.log(line.seq, line.values)
 * sim.injected() // [{ device: 'bench', channel: 'light', kind: 'spike', seq: 300, magnitude: 200, t: … }]
 * ```
 */
export function createSimulator(options: SimulatorOptions): Simulator {
  const maxLines = options.maxLinesPerAdvance ?? 100_000
  const t0 = options.startTime
  const devices = createDeviceStates(options)
  const byId = new Map(devices.map((d) => [d.id, d]))
  const seenT = new Map<string, number>()

  const getDevice = (id: string): DeviceState => {
    const d = byId.get(id)
    if (d === undefined) {
      throw new StreamError(SimErrorCode.InvalidSpec, `no simulated device '${id}'`)
    }
    return d
  }

  return {
    devices: devices.map((d) => d.id),
    advance(now, emit, limit = maxLines) {
      const out: SimLine[] = []
      let budget = Math.min(limit, maxLines)
      const share = Math.ceil(budget / devices.length)
      for (const d of devices) {
        for (let mine = Math.min(share, budget); d.nextT <= now && mine > 0; mine--) {
          const values = new Array<number>(d.channels.length)
          const load = loadOf(d, d.nextT - t0)
          for (let i = 0; i < d.channels.length; i++) {
            const c = d.channels[i]!
            values[i] = channelValue(c, d.seq, d.nextT - t0, load)
            // A plan holds ~1000 anomalies: scanning it for every sample was the bridge's hottest loop
            // (bench/mesh/throughput.ts --cpu-prof).
            if (c.anomalyAt.has(d.seq)) {
              for (const a of c.anomalies) {
                if (a.at === d.seq) seenT.set(injectedKey(d.id, c.spec.name, a.at), d.nextT)
              }
            }
          }
          const line: SimLine = { device: d.id, seq: d.seq, t: d.nextT, values }
          if (emit) emit(line)
          else out.push(line)
          d.seq++
          // To the microsecond, as the bridge's clock stamps (contract's epochMs): 1000/3 ms would carry 17
          // digits that every consumer has to parse.
          d.nextT =
            Math.round((d.anchorT + ((d.seq - d.anchorSeq) * 1000) / d.rateHz) * 1000) / 1000
          budget--
        }
      }
      return out
    },
    setRate(device, hz) {
      const d = getDevice(device)
      checkRate(`simulated device '${device}'`, hz)
      // The next sample is one old period after the last one; the new period applies from there on,
      // as on the firmware, whose timer is re-armed after the current tick.
      d.anchorT = d.nextT
      d.anchorSeq = d.seq
      d.rateHz = hz
    },
    rate(device) {
      return getDevice(device).rateHz
    },
    nextDue() {
      let min = Infinity
      for (const d of devices) if (d.nextT < min) min = d.nextT
      return min
    },
    injected() {
      return listInjected(devices, seenT)
    },
  }
}

/** Options of {@link planAnomalies}. */
export interface AnomalyPlanOptions {
  /** Seed for the positions. */
  readonly seed: number
  /** How many anomalies to place. */
  readonly count: number
  /** First sequence number allowed (leave a clean warm-up for detectors). */
  readonly from: number
  /** Sequence numbers stay below this. */
  readonly to: number
  /** Kinds, used in turn (default spike, shift, drift). */
  readonly kinds?: readonly InjectedAnomalyKind[]
  /** Magnitude per kind (defaults: spike 10, shift 5, drift 5). */
  readonly magnitude?: Partial<Record<InjectedAnomalyKind, number>>
  /** Drift ramp length in samples (default 100). */
  readonly driftDuration?: number
  /**
   * Alternate the sign of successive shifts and of successive drifts (default false), so that a long
   * run with many of them wanders around its base level instead of away from it.
   */
  readonly alternate?: boolean
}

/**
 * Places `count` anomalies at seeded random positions in [from, to): one in each of `count` equal segments,
 * away from the segment edges, so consecutive anomalies are at least half a segment apart and a detector's
 * response to one does not mask the next.
 *
 * @example
 * ```ts
 * const anomalies = planAnomalies({ seed: 3, count: 6, from: 200, to: 5000, magnitude: { spike: 80 } })
 * ```
 */
export function planAnomalies(options: AnomalyPlanOptions): AnomalySpec[] {
  const { count, from, to } = options
  if (!(count >= 0) || !(to > from)) {
    throw new StreamError(
      SimErrorCode.InvalidSpec,
      `cannot place ${count} anomalies in [${from}, ${to})`,
    )
  }
  const kinds = options.kinds ?? ['spike', 'shift', 'drift']
  const prng = createPrng(options.seed)
  const segment = (to - from) / Math.max(1, count)
  const specs: AnomalySpec[] = []
  const seen: Record<InjectedAnomalyKind, number> = { spike: 0, shift: 0, drift: 0, decouple: 0 }
  for (let i = 0; i < count; i++) {
    const kind = kinds[i % kinds.length] ?? 'spike'
    const lo = from + i * segment + segment / 4
    const at = Math.floor(lo + prng.next() * (segment / 2))
    const sign = options.alternate === true && kind !== 'spike' && seen[kind] % 2 === 1 ? -1 : 1
    seen[kind]++
    const magnitude = sign * (options.magnitude?.[kind] ?? (kind === 'spike' ? 10 : 5))
    specs.push(
      kind === 'drift' || kind === 'decouple'
        ? { kind, at, magnitude, duration: options.driftDuration ?? 100 }
        : { kind, at, magnitude },
    )
  }
  return specs
}

/**
 * A simulated pump: `current` (A), `pressure` (bar) and `flow` (l/min) all follow one load (a 60 s cycle
 * by default), each with its own small noise, so they are strongly correlated. Inject `decouple` anomalies
 * to break that relation while every channel stays in its range (issue 15).
 *
 * @example
 * ```ts
 * const sim = createSimulator({ startTime: 0, devices: [pumpDevice('pump', 10, {
 *   flow: [{ kind: 'decouple', at: 1200, magnitude: 0, duration: 50 }] })] })
 * ```
 */
export function pumpDevice(
  id: string,
  rateHz: number,
  anomalies: Partial<Record<'current' | 'pressure' | 'flow', readonly AnomalySpec[]>> = {},
  load: SimLoadSpec = {},
): SimDeviceSpec {
  const channel = (
    name: 'current' | 'pressure' | 'flow',
    base: number,
    gain: number,
    noiseStd: number,
  ): SimChannelSpec => ({
    name,
    base,
    loadGain: gain,
    noiseStd,
    decimals: 3,
    ...(anomalies[name] !== undefined ? { anomalies: anomalies[name] } : {}),
  })
  return {
    id,
    rateHz,
    load: { amplitude: 1, periodMs: 60_000, noiseStd: 0.1, ...load },
    channels: [
      channel('current', 12, 3, 0.08),
      channel('pressure', 4, 1, 0.03),
      channel('flow', 60, 15, 0.4),
    ],
  }
}
