/**
 * @module sim/prng
 * A small seeded pseudo-random generator for the simulator and for tests: the same seed gives the same
 * stream on every platform, which `Math.random` cannot. Uniform numbers come from mulberry32 (Tommy
 * Ettinger's 32-bit generator, public domain: fast, full 2^32 period, good enough for noise), Gaussian ones
 * from the Box–Muller transform (Box & Muller, 1958), caching the second value of each pair.
 */

/** A seeded source of uniform and Gaussian random numbers. */
export interface Prng {
  /** Uniform in [0, 1). */
  next(): number
  /** Standard normal (mean 0, standard deviation 1). */
  gaussian(): number
  /** Uniform integer in [min, max] (inclusive). */
  int(min: number, max: number): number
}

/**
 * Hashes a string to a 32-bit seed (FNV-1a), so that each simulated sensor can derive its own stream from
 * one master seed and its name — adding a sensor never changes the others' noise.
 *
 * @example
 * ```ts
 * const prng = createPrng(seedFrom(42, 'bench-1/light'))
 * ```
 */
export function seedFrom(seed: number, name: string): number {
  let h = (0x811c9dc5 ^ (seed >>> 0)) >>> 0
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h
}

/**
 * Creates a deterministic generator from a 32-bit seed.
 *
 * @example
 * ```ts
 * const prng = createPrng(42)
 * const noise = 0.5 * prng.gaussian()
 * ```
 */
export function createPrng(seed: number): Prng {
  let state = seed >>> 0
  let spare: number | undefined
  const next = (): number => {
    // mulberry32
    state = (state + 0x6d2b79f5) >>> 0
    let z = state
    z = Math.imul(z ^ (z >>> 15), z | 1)
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61)
    return ((z ^ (z >>> 14)) >>> 0) / 4294967296
  }
  return {
    next,
    gaussian() {
      if (spare !== undefined) {
        const s = spare
        spare = undefined
        return s
      }
      // 1 − u keeps the logarithm's argument in (0, 1].
      const u = 1 - next()
      const v = next()
      const r = Math.sqrt(-2 * Math.log(u))
      spare = r * Math.sin(2 * Math.PI * v)
      return r * Math.cos(2 * Math.PI * v)
    },
    int(min, max) {
      return min + Math.floor(next() * (max - min + 1))
    },
  }
}
