/**
 * @module detect/autocorrelation
 * The lagged products Σ y[i]·y[i + lag] of a short series for every lag from 0 to some maximum, which the
 * period search of `detect/seasonal-residual` normalises into an autocorrelation. Summed directly they cost
 * O(n·lags) multiply-adds (≈ 29 000 for 256 points and 171 lags, every 256 samples of every sensor); here
 * they come from the power spectrum instead (the Wiener–Khinchin theorem: the autocorrelation is the inverse
 * Fourier transform of |Y|²), in O(n log n). The series is zero-padded to a power of two N ≥ n + lags, so the
 * circular correlation the discrete transform gives never wraps into the lags read; both transforms are
 * real, each done as one complex radix-2 FFT (Cooley & Tukey 1965) of N/2 points on the even and odd values
 * (Press et al., "Numerical Recipes", 3rd ed., §12.3). For fewer points (below about 68) the direct sums
 * are cheaper and are used instead. The tables and buffers live in the module and only grow, so a call
 * allocates nothing once the largest size has been seen; one call runs to its end before another starts.
 */

/**
 * The cost of the FFT in multiply-adds of the direct sums, per N·log₂N (measured on Node 20, x64, in a scratch
 * timing loop that was not kept: the two cost the same at 68 points with N = 128, 106 with N = 256 and 158
 * with N = 512).
 */
const FFT_COST = 2.4

/**
 * Twiddle factors, real and imaginary parts: e^(−πij/h) at index h + j, for h a power of two and j < h, so
 * the FFT pass combining halves of h points reads them in order, and every transform size shares them.
 */
let cosines = new Float64Array(0)
let sines = new Float64Array(0)
let size = 0
/** The complex values being transformed: the forward transform in `re`/`im`, the inverse in `re2`/`im2`. */
let re = new Float64Array(0)
let im = new Float64Array(0)
let re2 = new Float64Array(0)
let im2 = new Float64Array(0)
/** The bit reversal of each index below `reversedFor`, so the data is loaded in the order the FFT wants. */
let reversed = new Int32Array(0)
let reversedFor = 0

/** Tables and buffers for a real transform of `n` points (a power of two ≥ 8). */
function prepare(n: number): void {
  if (n > size) {
    size = n
    cosines = new Float64Array(n)
    sines = new Float64Array(n)
    for (let h = 1; h < n; h *= 2) {
      for (let j = 0; j < h; j++) {
        cosines[h + j] = Math.cos((Math.PI * j) / h)
        sines[h + j] = -Math.sin((Math.PI * j) / h)
      }
    }
    re = new Float64Array(n / 2)
    im = new Float64Array(n / 2)
    re2 = new Float64Array(n / 2)
    im2 = new Float64Array(n / 2)
    reversed = new Int32Array(n / 2)
    reversedFor = 0
  }
  const m = n / 2
  if (m === reversedFor) return
  reversed[0] = 0
  for (let i = 1; i < m; i++) reversed[i] = (reversed[i >> 1]! >> 1) | (i & 1 ? m >> 1 : 0)
  reversedFor = m
}

/**
 * The forward DFT of the `m` complex values (a power of two ≥ 4) in `xr`/`xi`, loaded in bit-reversed order, in
 * place: iterative radix-2 decimation in time. Called with the two arrays swapped it is the inverse DFT
 * times m (swapping real and imaginary parts conjugates and multiplies by i, once on each side).
 */
function fft(xr: Float64Array, xi: Float64Array, m: number): void {
  // The first two passes together multiply by 1 and −i only: a 4-point DFT of each group of four.
  for (let a = 0; a < m; a += 4) {
    const r0 = xr[a]! + xr[a + 1]!
    const i0 = xi[a]! + xi[a + 1]!
    const r1 = xr[a]! - xr[a + 1]!
    const i1 = xi[a]! - xi[a + 1]!
    const r2 = xr[a + 2]! + xr[a + 3]!
    const i2 = xi[a + 2]! + xi[a + 3]!
    const r3 = xr[a + 2]! - xr[a + 3]!
    const i3 = xi[a + 2]! - xi[a + 3]!
    xr[a] = r0 + r2
    xi[a] = i0 + i2
    xr[a + 2] = r0 - r2
    xi[a + 2] = i0 - i2
    // (r3 + i·i3)·(−i) = i3 − i·r3
    xr[a + 1] = r1 + i3
    xi[a + 1] = i1 - r3
    xr[a + 3] = r1 - i3
    xi[a + 3] = i1 + r3
  }
  for (let half = 4; half < m; half *= 2) {
    for (let j = 0; j < half; j++) {
      const wr = cosines[half + j]!
      const wi = sines[half + j]!
      for (let a = j; a < m; a += 2 * half) {
        const b = a + half
        const tr = xr[b]! * wr - xi[b]! * wi
        const ti = xr[b]! * wi + xi[b]! * wr
        xr[b] = xr[a]! - tr
        xi[b] = xi[a]! - ti
        xr[a]! += tr
        xi[a]! += ti
      }
    }
  }
}

/**
 * The transform size for `count` points and lags up to `lags`: the circular correlation the DFT gives adds
 * y[i]·y[i + L − N] at lag L, which are none while N ≥ count + L. At least 8: the FFT's first pass works
 * on groups of four.
 */
function paddedSize(count: number, lags: number): number {
  let n = 8
  while (n < count + lags) n *= 2
  return n
}

/**
 * `out[lag]` = Σ y[i]·y[i + lag] over i < count − lag, for every lag from 0 to `lags` (< count), through the
 * power spectrum (see the module note). Equal to {@link laggedProductsDirect} up to rounding: an error of
 * about ε·log₂N·Σy².
 */
export function laggedProductsByFft(
  y: ArrayLike<number>,
  count: number,
  lags: number,
  out: Float64Array,
): void {
  if (lags < 0) return
  const n = paddedSize(count, lags)
  prepare(n)
  const m = n / 2
  // The even values as real parts, the odd ones as imaginary parts: one complex FFT of N/2 points.
  for (let j = 0; j < m; j++) {
    const r = reversed[j]!
    re[r] = 2 * j < count ? y[2 * j]! : 0
    im[r] = 2 * j + 1 < count ? y[2 * j + 1]! : 0
  }
  fft(re, im, m)
  // Bins k and m − k together: from their Z, the transforms E (even values) and O (odd values), then
  // X[k] = E + w^k·O and X[m − k] = conj(E − w^k·O) (w = e^(−2πi/N)), P = |X|², and from P the packed
  // input of the inverse: E' = (P[k] + P[m − k]) / 2, O' = (P[k] − P[m − k])·w^(−k) / 2 (Numerical Recipes
  // §12.3). E and O are kept doubled: `scale` holds the 1/4 this owes, the 1/2 of E' and O' and the 1/m of
  // the inverse transform.
  const scale = 0.125 / m
  for (let k = 0; k <= m / 2; k++) {
    const k2 = k === 0 ? 0 : m - k
    const ar = re[k]!
    const ai = im[k]!
    const br = re[k2]!
    const bi = im[k2]!
    const er = ar + br
    const ei = ai - bi
    const or = ai + bi
    const oi = br - ar
    // w^k = e^(−2πik/N) = e^(−πik/m)
    const wr = cosines[m + k]!
    const wi = sines[m + k]!
    const tr = wr * or - wi * oi
    const ti = wr * oi + wi * or
    // With t = w^k·O: P[k] + P[m − k] = 2(|E|² + |t|²), P[k] − P[m − k] = 4 Re(E·conj t).
    const even = (er * er + ei * ei + tr * tr + ti * ti) * 2 * scale
    const odd = (er * tr + ei * ti) * 4 * scale
    const r = reversed[k]!
    re2[r] = even + odd * wi
    im2[r] = odd * wr
    if (k !== 0 && k2 !== k) {
      const r2 = reversed[k2]!
      re2[r2] = even - odd * wi
      im2[r2] = odd * wr
    }
  }
  fft(im2, re2, m)
  for (let lag = 0; lag <= lags; lag++) out[lag] = lag & 1 ? im2[lag >> 1]! : re2[lag >> 1]!
}

/**
 * Σ y[i]·y[i + lag] over i < count − lag: four running sums, so each addition need not wait for the one
 * before (one sum is bound by the adder's latency).
 */
function laggedProduct(y: ArrayLike<number>, count: number, lag: number): number {
  const n = count - lag
  let a = 0
  let b = 0
  let c = 0
  let d = 0
  let i = 0
  for (; i + 3 < n; i += 4) {
    a += y[i]! * y[i + lag]!
    b += y[i + 1]! * y[i + 1 + lag]!
    c += y[i + 2]! * y[i + 2 + lag]!
    d += y[i + 3]! * y[i + 3 + lag]!
  }
  for (; i < n; i++) a += y[i]! * y[i + lag]!
  return a + b + (c + d)
}

/** {@link laggedProductsByFft}, summed directly: O(count·lags). */
export function laggedProductsDirect(
  y: ArrayLike<number>,
  count: number,
  lags: number,
  out: Float64Array,
): void {
  for (let lag = 0; lag <= lags; lag++) out[lag] = laggedProduct(y, count, lag)
}

/**
 * `out[lag]` = Σ y[i]·y[i + lag] over i < count − lag, for every lag from 0 to `lags` (< count): by
 * whichever of {@link laggedProductsByFft} and {@link laggedProductsDirect} is cheaper. The FFT's cost
 * jumps with each doubling of N, so with the lags of `findPeriod` (2/3 of the points) the direct sums are
 * used below 69 points, and again just past the doublings: from 77 to 104 points and from 154 to 156.
 *
 * @example
 * const out = new Float64Array(3)
 * laggedProducts(Float64Array.of(1, 2, 3), 3, 2, out) // out: [14, 8, 3]
 */
export function laggedProducts(
  y: ArrayLike<number>,
  count: number,
  lags: number,
  out: Float64Array,
): void {
  const n = paddedSize(count, lags)
  const direct = (lags + 1) * (count - lags / 2)
  if (direct > FFT_COST * n * Math.log2(n)) laggedProductsByFft(y, count, lags, out)
  else laggedProductsDirect(y, count, lags, out)
}
