/**
 * @module synthetic
 * The TypeScript twin of the firmware's synthetic sensor (`sluice_sensor/sluice_synth.c`), which replaces
 * the ADC when the sketch is built with `SLUICE_SYNTHETIC=1` (emulators read the ADC as 0). Every value is a
 * pure function of the sample's sequence number, so tests predict each line exactly, and the labels say
 * where the injected anomalies are: ground truth for the anomaly detectors.
 *
 * Within each cycle of {@link SYNTHETIC_CYCLE} samples (`c = seq mod 512`):
 * - light (ADC counts): 500 + a sine (period 256 samples, amplitude 200) + noise in [−10, 10], with spikes
 *   of +400 at c = 100 and 356, a level shift of +180 for 200 ≤ c < 300, and a drift of +1.5 per sample for
 *   400 ≤ c < 512;
 * - temperature (°C): 21.5 + a sine (period 512 samples, amplitude 2) + noise in [−0.1, 0.1], with a spike
 *   of +6 at c = 228.
 *
 * The arithmetic mirrors the C code's integer operations (32-bit unsigned wrap-around, division truncating
 * toward zero); the emulator test compares the two line by line.
 */

/** Length of the anomaly schedule, in samples. */
export const SYNTHETIC_CYCLE = 512

/** The kinds of anomaly the synthetic sensor injects (the anomaly event's `kind`, DESIGN.md §4). */
export type SyntheticAnomalyKind = 'spike' | 'shift' | 'drift'

/** The synthetic sensor's channels, in line order. */
export type SyntheticChannel = 'light' | 'temp'

/** round(1000 · sin(2πi/64)), i = 0…63, as in `sluice_synth.c`. */
const SINE64: readonly number[] = [
  0, 98, 195, 290, 383, 471, 556, 634, 707, 773, 831, 882, 924, 957, 981, 995, 1000, 995, 981, 957,
  924, 882, 831, 773, 707, 634, 556, 471, 383, 290, 195, 98, 0, -98, -195, -290, -383, -471, -556,
  -634, -707, -773, -831, -882, -924, -957, -981, -995, -1000, -995, -981, -957, -924, -882, -831,
  -773, -707, -634, -556, -471, -383, -290, -195, -98,
]

/** 1000 · sin(2π · phase / 256), phase 0…255, linearly interpolated between table entries. */
function sine256(phase: number): number {
  const i = phase >> 2
  const a = SINE64[i]!
  const b = SINE64[(i + 1) & 63]!
  return a + Math.trunc(((b - a) * (phase & 3)) / 4)
}

/** Knuth's multiplicative hash, folded (uint32 arithmetic, as in C). */
function noiseHash(seq: number): number {
  const h = Math.imul(seq >>> 0, 2654435761) >>> 0
  return (h ^ (h >>> 16)) >>> 0
}

/** The device's 32-bit sequence number for `seq` (the firmware's counter wraps at 2^32). */
function u32(seq: number): number {
  return Number(BigInt.asUintN(32, BigInt(Math.trunc(seq))))
}

/**
 * The value `channel` would have at sample `seq` without any injected anomaly (light in ADC counts before
 * clamping, temperature in tenths of a degree): subtract it from a received value to see the anomaly alone.
 *
 * @example
 * ```ts
 * syntheticLight(250) - syntheticBaseline(250, 'light') // 180, the level shift
 * ```
 */
export function syntheticBaseline(seq: number, channel: SyntheticChannel): number {
  const s = u32(seq)
  if (channel === 'light')
    return 500 + Math.trunc(sine256(s & 255) / 5) + ((noiseHash(s) % 21) - 10)
  return 215 + Math.trunc(sine256((s >>> 1) & 255) / 50) + (((noiseHash(s) >>> 8) % 3) - 1)
}

/**
 * The synthetic light value of sample `seq`, in ADC counts (0…1023).
 *
 * @example
 * ```ts
 * syntheticLight(0) // 490
 * ```
 */
export function syntheticLight(seq: number): number {
  const c = u32(seq) % SYNTHETIC_CYCLE
  let v = syntheticBaseline(seq, 'light')
  if (c === 100 || c === 356) v += 400
  else if (c >= 200 && c < 300) v += 180
  else if (c >= 400) v += Math.trunc(((c - 400) * 3) / 2)
  return Math.min(1023, Math.max(0, v))
}

/**
 * The synthetic temperature of sample `seq`, in tenths of a degree Celsius (the firmware prints it with one
 * decimal: 215 → `21.5`).
 *
 * @example
 * ```ts
 * syntheticTempTenths(0) / 10 // 21.4
 * ```
 */
export function syntheticTempTenths(seq: number): number {
  const c = u32(seq) % SYNTHETIC_CYCLE
  let t = syntheticBaseline(seq, 'temp')
  if (c === 228) t += 60
  return t
}

/**
 * The values the synthetic firmware sends for sample `seq`, in line order (`light`, then `temp` in °C when
 * the temperature channel is built in).
 *
 * @example
 * ```ts
 * syntheticValues(0) // [490, 21.4]
 * ```
 */
export function syntheticValues(seq: number, options: { tempChannel?: boolean } = {}): number[] {
  const light = syntheticLight(seq)
  return options.tempChannel === false ? [light] : [light, syntheticTempTenths(seq) / 10]
}

/**
 * The anomaly injected into `channel` at sample `seq`, or `undefined` for a normal sample.
 *
 * @example
 * ```ts
 * syntheticAnomaly(100, 'light') // 'spike'
 * syntheticAnomaly(250, 'light') // 'shift'
 * syntheticAnomaly(228, 'temp')  // 'spike'
 * ```
 */
export function syntheticAnomaly(
  seq: number,
  channel: SyntheticChannel,
): SyntheticAnomalyKind | undefined {
  const c = u32(seq) % SYNTHETIC_CYCLE
  if (channel === 'temp') return c === 228 ? 'spike' : undefined
  if (c === 100 || c === 356) return 'spike'
  if (c >= 200 && c < 300) return 'shift'
  if (c >= 400) return 'drift'
  return undefined
}
