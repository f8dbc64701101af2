/**
 * @module config
 * The serial bridge's configuration schema, with its defaults (STYLE.md, Config). The runtime merges it
 * with the common options (broker, prefix, hops, …), reads a YAML file, `SLUICE_*` variables and flags, and
 * freezes the result. Three modes: `serial` reads a device on a port, `sim` runs simulated sensors, `replay`
 * plays a CSV recording. {@link resolveBridgeConfig} then checks what the schema cannot express (serial needs
 * a port, replay a file) and fills in the mode-dependent defaults.
 */
import { RAW_BATCH_MAX_SAMPLES, toIdentifier } from '@sluice/contract'
import { Type, type Static } from '@sinclair/typebox'
import { MeshConfigError, type ConfigIssue } from '@sluice/mesh'

const ID = '[a-z0-9][a-z0-9_-]*'

/** Bounds of one channel; values outside are rejected (counted, never published). */
export const ChannelRangeSchema = Type.Object(
  { min: Type.Optional(Type.Number()), max: Type.Optional(Type.Number()) },
  { additionalProperties: false },
)

/** The serial bridge's own options. */
export const SerialBridgeConfigSchema = Type.Object({
  mode: Type.Union([Type.Literal('serial'), Type.Literal('sim'), Type.Literal('replay')], {
    default: 'serial',
    description: 'serial: read a device; sim: simulated sensors; replay: play a CSV file.',
  }),
  device: Type.String({
    default: '',
    pattern: `^(${ID})?$`,
    description:
      'Device id in topics. Default: arduino (serial), sim (sim; sim-1, sim-2… with several), the file ' +
      'name (replay).',
  }),
  channels: Type.String({
    default: '',
    pattern: `^(${ID}(,${ID})*)?$`,
    description:
      'Comma-separated channel names, in the order of the values on a line. Default: light (serial, ' +
      'sim), the CSV header (replay).',
  }),
  ranges: Type.Record(Type.String({ pattern: `^${ID}$` }), ChannelRangeSchema, {
    default: {},
    description: 'Per-channel bounds, e.g. { light: { min: 0, max: 1023 } }.',
  }),
  port: Type.String({ default: '', description: 'Serial port path, e.g. /dev/ttyACM0.' }),
  baud: Type.Integer({
    default: 115200,
    minimum: 50,
    maximum: 4_000_000,
    description: 'Serial baud rate; must match the sketch’s Serial.begin(…).',
  }),
  resetDelayMs: Type.Integer({
    default: 2000,
    minimum: 0,
    description:
      'Wait after opening the port: an Arduino resets on open and its bootloader runs ~2 s.',
  }),
  checksum: Type.Union([Type.Literal('optional'), Type.Literal('required')], {
    default: 'optional',
    description: 'required: reject lines without a *XX checksum.',
  }),
  rateHz: Type.Optional(
    Type.Number({
      exclusiveMinimum: 0,
      maximum: 100_000,
      description:
        'Sampling rate to ask of the device (R<hz>) each time it connects; sim: the rate.',
    }),
  ),
  reconnect: Type.Object(
    {
      initialMs: Type.Integer({
        default: 500,
        minimum: 1,
        description: 'First wait before reopening a missing or unplugged port; doubles each try.',
      }),
      maxMs: Type.Integer({
        default: 10_000,
        minimum: 1,
        description: 'Longest wait between two tries to reopen the port.',
      }),
    },
    { default: {}, additionalProperties: false },
  ),
  mismatch: Type.Object(
    {
      window: Type.Integer({
        default: 25,
        minimum: 1,
        maximum: 10_000,
        description: 'How many of the latest lines the baud/format mismatch check looks at.',
      }),
      threshold: Type.Integer({
        default: 20,
        minimum: 1,
        maximum: 10_000,
        description: 'Bad lines among those that report a baud/format mismatch.',
      }),
      withinMs: Type.Integer({
        default: 2000,
        minimum: 1,
        description: 'Only lines read within this span count towards a mismatch.',
      }),
    },
    {
      default: {},
      additionalProperties: false,
      description:
        'A baud/format mismatch is reported when `threshold` of the last `window` lines ' +
        'within `withinMs` are bad.',
    },
  ),
  governor: Type.Object(
    {
      enabled: Type.Boolean({
        default: true,
        description: 'Lower the device rate under pressure (serial mode); false: never.',
      }),
      high: Type.Number({
        default: 0.8,
        exclusiveMinimum: 0,
        maximum: 1,
        description: 'Lower the rate while the raw queue is fuller than this fraction.',
      }),
      low: Type.Number({
        default: 0.3,
        minimum: 0,
        exclusiveMaximum: 1,
        description: 'Raise it again once the queue has stayed emptier than this fraction.',
      }),
      factor: Type.Number({
        default: 0.5,
        exclusiveMinimum: 0,
        exclusiveMaximum: 1,
        description: 'Each step multiplies (lowering) or divides (raising) the rate by this.',
      }),
      minHz: Type.Number({
        default: 1,
        exclusiveMinimum: 0,
        description: 'Never ask the device for less than this rate.',
      }),
      holdMs: Type.Integer({
        default: 2000,
        minimum: 0,
        description: 'Least time between two steps, and how long the queue must stay low to raise.',
      }),
      ackTimeoutMs: Type.Integer({
        default: 3000,
        minimum: 1,
        description: 'A rate command not acknowledged within this throttles at the edge instead.',
      }),
      downstream: Type.Boolean({
        default: true,
        description:
          'Also count a consumer of our raw topics whose metrics say `critical` as full pressure.',
      }),
      downstreamTtlMs: Type.Integer({
        default: 3000,
        minimum: 1,
        description: 'How long a critical report counts without a newer one.',
      }),
    },
    {
      default: {},
      additionalProperties: false,
      description:
        'Serial mode: lower the device rate (R<hz>) while the raw queue is over `high` full (or a ' +
        'downstream consumer is critical), raise it again once it has stayed under `low`; a device ' +
        'that does not acknowledge is throttled at the edge instead (counted drops).',
    },
  ),
  batch: Type.Object(
    {
      maxSamples: Type.Integer({
        default: 100,
        minimum: 1,
        maximum: RAW_BATCH_MAX_SAMPLES,
        description: 'Most samples in one raw batch message (1: one message per sample).',
      }),
      maxDelayMs: Type.Number({
        default: 50,
        minimum: 0,
        maximum: 60_000,
        description: 'Longest a sample waits for its batch to fill (0: publish at once).',
      }),
    },
    {
      default: {},
      additionalProperties: false,
      description:
        'Batch only while the raw hop is busy (messages queued, or maxInFlight unacknowledged); flush ' +
        'when it is free again, at maxSamples, or after maxDelayMs, whichever comes first. A sample ' +
        'that finds the hop free goes out at once.',
    },
  ),
  sim: Type.Object(
    {
      devices: Type.Integer({
        default: 1,
        minimum: 1,
        maximum: 10_000,
        description: 'Simulated devices (sim-1, sim-2, … when more than one).',
      }),
      rateHz: Type.Number({
        default: 10,
        exclusiveMinimum: 0,
        maximum: 100_000,
        description: 'Samples per second per device (rateHz overrides it).',
      }),
      seed: Type.Integer({
        default: 1,
        description: 'Random seed: the same seed gives the same signal.',
      }),
      base: Type.Number({ default: 500, description: 'Mean level of the signal.' }),
      amplitude: Type.Number({ default: 100, description: 'Amplitude of the sine.' }),
      periodMs: Type.Number({
        default: 60_000,
        exclusiveMinimum: 0,
        description: 'Period of the sine.',
      }),
      trendPerSecond: Type.Number({ default: 0, description: 'Linear trend added per second.' }),
      noiseStd: Type.Number({
        default: 5,
        minimum: 0,
        description: 'Standard deviation of the Gaussian noise.',
      }),
      anomalyEvery: Type.Integer({
        default: 0,
        minimum: 0,
        description:
          'Inject one anomaly (spike, shift, drift in turn) about every N samples; 0: none.',
      }),
      spike: Type.Number({ default: 150, description: 'Spike height.' }),
      shift: Type.Number({ default: 80, description: 'Level shift size (alternating sign).' }),
      drift: Type.Number({
        default: 80,
        description: 'Drift size after 100 samples (alternating sign).',
      }),
      tickMs: Type.Integer({
        default: 10,
        minimum: 1,
        description:
          'Shortest wait in ms between two runs of the simulator, which sleeps until its next sample is due; also how soon a congested queue is looked at again.',
      }),
    },
    { default: {}, additionalProperties: false },
  ),
  replay: Type.Object(
    {
      file: Type.String({
        default: '',
        description:
          'CSV: timestamp,value[,…] (NAB; the time column may also be t, time, datetime or date) or ' +
          'seq,t,value[,…]; comma, semicolon or tab separated.',
      }),
      skipColumns: Type.String({
        default: '',
        description:
          "Comma-separated value columns not to replay, e.g. a recording's labels: anomaly,changepoint.",
      }),
      speed: Type.Number({
        default: 1,
        minimum: 0,
        description:
          'Pace factor over the recorded pace (2 = twice as fast); 0 = as fast as possible.',
      }),
      time: Type.Union([Type.Literal('recorded'), Type.Literal('wall')], {
        default: 'recorded',
        description: 'Event time t: the recorded time, or the wall clock at replay.',
      }),
      loop: Type.Boolean({
        default: false,
        description: 'Start again at the end (sequence numbers go on).',
      }),
    },
    { default: {}, additionalProperties: false },
  ),
})

/** The bridge's own options, as validated. */
export type SerialBridgeConfig = Static<typeof SerialBridgeConfigSchema>

/** The options with mode-dependent defaults filled in. */
export interface ResolvedBridgeConfig {
  readonly mode: SerialBridgeConfig['mode']
  /** Device ids (one, except for a simulator with several devices). */
  readonly devices: readonly string[]
  /** Channel names; empty in replay mode until the file's header is read. */
  readonly channels: readonly string[]
}

/** A file name made into a device id: `machine_temperature.csv` → `machine_temperature`. */
export function deviceIdFromFile(file: string): string {
  const base = (file.split(/[\\/]/).pop() ?? '').replace(/\.[^.]*$/, '')
  const id = toIdentifier(base)
  return id === '' ? 'replay' : id
}

/**
 * Checks what the schema cannot and fills in mode-dependent defaults.
 *
 * @throws {MeshConfigError} listing every problem at once (as the runtime's own config check does).
 *
 * @example
 * ```ts
 * resolveBridgeConfig({ ...config, mode: 'sim', sim: { ...config.sim, devices: 3 } }).devices
 * // ['sim-1', 'sim-2', 'sim-3']
 * ```
 */
export function resolveBridgeConfig(config: SerialBridgeConfig): ResolvedBridgeConfig {
  const problems: ConfigIssue[] = []
  const problem = (path: string, message: string): void => {
    problems.push({ path, message })
  }
  if (config.mode === 'serial' && config.port === '')
    problem('port', 'serial mode needs a port: --port /dev/ttyACM0 (list ports with --list)')
  if (config.mode === 'replay' && config.replay.file === '')
    problem('replay.file', 'replay mode needs a file: --replay.file data.csv')
  if (config.reconnect.maxMs < config.reconnect.initialMs)
    problem('reconnect.maxMs', 'must be at least reconnect.initialMs')
  if (config.governor.low >= config.governor.high)
    problem('governor.low', 'must be below governor.high (the gap is the hysteresis)')
  if (config.mismatch.threshold > config.mismatch.window)
    problem('mismatch.threshold', 'cannot exceed mismatch.window')
  const channels = config.channels === '' ? [] : config.channels.split(',')
  if (new Set(channels).size !== channels.length)
    problem('channels', `repeats a name: ${config.channels}`)
  for (const name of Object.keys(config.ranges)) {
    const r = config.ranges[name]!
    if (channels.length > 0 && !channels.includes(name))
      problem(`ranges.${name}`, `no such channel (channels: ${channels.join(', ')})`)
    if (r.min !== undefined && r.max !== undefined && r.min > r.max)
      problem(`ranges.${name}`, `min ${r.min} is above max ${r.max}`)
  }
  // The same error as the runtime's own config check, so `runService` prints every problem and exits 2.
  if (problems.length > 0) throw new MeshConfigError(problems)
  const defaultDevice =
    config.mode === 'serial'
      ? 'arduino'
      : config.mode === 'sim'
        ? 'sim'
        : deviceIdFromFile(config.replay.file)
  const device = config.device === '' ? defaultDevice : config.device
  const devices =
    config.mode === 'sim' && config.sim.devices > 1
      ? Array.from({ length: config.sim.devices }, (_, i) => `${device}-${i + 1}`)
      : [device]
  const resolvedChannels = channels.length > 0 || config.mode === 'replay' ? channels : ['light']
  return { mode: config.mode, devices, channels: resolvedChannels }
}
