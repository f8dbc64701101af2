/**
 * @module detect/order-statistics
 * A bounded multiset of numbers that answers rank queries in O(log n): the k-th smallest value, the sum of
 * the k smallest, the median, and the median absolute deviation (MAD). It backs the rolling median/MAD
 * detector, whose window must drop its oldest value and add a new one per sample without re-sorting.
 *
 * It is a treap (Seidel & Aragon, "Randomized search trees", Algorithmica 1996) kept in typed arrays with a
 * fixed node pool, so memory is bounded by the capacity and nothing is allocated per sample. Each node keeps
 * its subtree size and sum, which gives k-th element and prefix sums in one descent. The MAD is the median of
 * two sorted sequences (distances below and above the median), each readable at any index in O(log n); a
 * binary search for the k-th smallest of two sorted sequences then needs O(log n) reads, so a MAD query is
 * O(log² n) and insertion or removal O(log n), expected.
 */

/** A multiset of finite numbers with O(log n) rank queries and a fixed capacity. */
export interface OrderStatisticTree {
  /** How many values it holds. */
  readonly size: number
  /** Adds a value. @throws RangeError when full or when `value` is not finite. */
  insert(value: number): void
  /** Removes one occurrence of `value`; returns whether it was there. */
  remove(value: number): boolean
  /** The k-th smallest value, `k` from 0. @throws RangeError when out of range. */
  kth(k: number): number
  /** The sum of the `k` smallest values. */
  sumOfSmallest(k: number): number
  /** The sum of all values. */
  readonly sum: number
  /** The median (mean of the two middle values when the size is even); `NaN` when empty. */
  median(): number
  /** The median of |x − median| over all values; `NaN` when empty. */
  medianAbsoluteDeviation(): number
  /** The mean of |x − median| over all values; `NaN` when empty. */
  meanAbsoluteDeviation(): number
  /** Removes every value. */
  clear(): void
}

/**
 * Creates an empty {@link OrderStatisticTree} that holds at most `capacity` values.
 *
 * @example
 * const tree = createOrderStatisticTree(5)
 * for (const v of [3, 1, 4, 1, 5]) tree.insert(v)
 * tree.median() // 3
 * tree.medianAbsoluteDeviation() // 2 (deviations 0, 1, 2, 2, 2)
 */
export function createOrderStatisticTree(capacity: number): OrderStatisticTree {
  if (!Number.isInteger(capacity) || capacity < 1) {
    throw new RangeError(
      `Order statistic tree capacity must be a positive integer, got ${capacity}`,
    )
  }
  const key = new Float64Array(capacity)
  const subtreeSum = new Float64Array(capacity)
  const priority = new Uint32Array(capacity)
  const left = new Int32Array(capacity)
  const right = new Int32Array(capacity)
  const subtreeSize = new Int32Array(capacity)
  const freeList = new Int32Array(capacity)
  let freeTop = 0
  let root = -1
  // xorshift32 (Marsaglia 2003): deterministic priorities keep runs reproducible; the expected O(log n)
  // depth only needs them to be independent of the keys.
  let seed = 0x9e3779b9
  let splitLeft = -1
  let splitRight = -1

  const resetPool = (): void => {
    freeTop = capacity
    for (let i = 0; i < capacity; i++) freeList[i] = capacity - 1 - i
    root = -1
  }
  resetPool()

  const sizeOf = (t: number): number => (t < 0 ? 0 : subtreeSize[t]!)
  const sumOf = (t: number): number => (t < 0 ? 0 : subtreeSum[t]!)
  const pull = (t: number): void => {
    subtreeSize[t] = sizeOf(left[t]!) + 1 + sizeOf(right[t]!)
    subtreeSum[t] = sumOf(left[t]!) + key[t]! + sumOf(right[t]!)
  }

  /** Splits `t` into keys `< v` (splitLeft) and keys `≥ v` (splitRight). */
  const split = (t: number, v: number): void => {
    if (t < 0) {
      splitLeft = -1
      splitRight = -1
      return
    }
    if (key[t]! < v) {
      split(right[t]!, v)
      right[t] = splitLeft
      pull(t)
      splitLeft = t
    } else {
      split(left[t]!, v)
      left[t] = splitRight
      pull(t)
      splitRight = t
    }
  }

  /** Joins two treaps where every key of `a` is ≤ every key of `b`. */
  const merge = (a: number, b: number): number => {
    if (a < 0) return b
    if (b < 0) return a
    if (priority[a]! > priority[b]!) {
      right[a] = merge(right[a]!, b)
      pull(a)
      return a
    }
    left[b] = merge(a, left[b]!)
    pull(b)
    return b
  }

  let removed = false
  const erase = (t: number, v: number): number => {
    if (t < 0) return -1
    if (key[t] === v) {
      removed = true
      const joined = merge(left[t]!, right[t]!)
      freeList[freeTop++] = t
      return joined
    }
    // Insertion puts keys equal to a node's key on its right, and keys below it on its left, so a value
    // below key[t] can only be on the left and one above it only on the right.
    if (v < key[t]!) left[t] = erase(left[t]!, v)
    else right[t] = erase(right[t]!, v)
    pull(t)
    return t
  }

  const kth = (k: number): number => {
    if (!(k >= 0 && k < sizeOf(root))) {
      throw new RangeError(`Rank ${k} is out of range for ${sizeOf(root)} values`)
    }
    let t = root
    let rank = k
    for (;;) {
      const leftSize = sizeOf(left[t]!)
      if (rank < leftSize) t = left[t]!
      else if (rank === leftSize) return key[t]!
      else {
        rank -= leftSize + 1
        t = right[t]!
      }
    }
  }

  const sumOfSmallest = (k: number): number => {
    let acc = 0
    let t = root
    let rest = Math.min(k, sizeOf(root))
    while (t >= 0 && rest > 0) {
      const leftSize = sizeOf(left[t]!)
      if (rest <= leftSize) t = left[t]!
      else {
        acc += sumOf(left[t]!) + key[t]!
        rest -= leftSize + 1
        t = right[t]!
      }
    }
    return acc
  }

  const median = (): number => {
    const n = sizeOf(root)
    if (n === 0) return Number.NaN
    const half = n >>> 1
    return n % 2 === 1 ? kth(half) : (kth(half - 1) + kth(half)) / 2
  }

  // The two ascending sequences of distances from the median `centre`: the lower half (the `lowerCount` smallest)
  // read outwards from the median, and the upper half likewise. Kept as state, not closures, so a query
  // allocates nothing.
  let centre = 0
  let lowerCount = 0
  const lowerDistance = (i: number): number => centre - kth(lowerCount - 1 - i)
  const upperDistance = (j: number): number => kth(lowerCount + j) - centre

  /**
   * The r-th smallest (from 0) of the merge of the lower (length a) and upper (length b) distances, by
   * binary search on how many come from the lower ones (the classic two-sorted-arrays selection).
   */
  const selectDistance = (r: number, a: number, b: number): number => {
    let lo = Math.max(0, r + 1 - b)
    let hi = Math.min(r + 1, a)
    while (lo < hi) {
      const i = (lo + hi) >>> 1
      if (lowerDistance(i) < upperDistance(r - i)) lo = i + 1
      else hi = i
    }
    const fromLower = lo > 0 ? lowerDistance(lo - 1) : Number.NEGATIVE_INFINITY
    const fromUpper = r - lo >= 0 ? upperDistance(r - lo) : Number.NEGATIVE_INFINITY
    return Math.max(fromLower, fromUpper)
  }

  const medianAbsoluteDeviation = (): number => {
    const n = sizeOf(root)
    if (n === 0) return Number.NaN
    centre = median()
    lowerCount = (n + 1) >>> 1
    const upperCount = n - lowerCount
    const half = n >>> 1
    if (n % 2 === 1) return selectDistance(half, lowerCount, upperCount)
    return (
      (selectDistance(half - 1, lowerCount, upperCount) +
        selectDistance(half, lowerCount, upperCount)) /
      2
    )
  }

  const meanAbsoluteDeviation = (): number => {
    const n = sizeOf(root)
    if (n === 0) return Number.NaN
    const m = median()
    const p = (n + 1) >>> 1
    const lowerSum = sumOfSmallest(p)
    const upperSum = sumOf(root) - lowerSum
    // Σ|x − m| = Σ_lower (m − x) + Σ_upper (x − m); rounding can leave a tiny negative, so clamp.
    return Math.max(0, m * p - lowerSum + upperSum - m * (n - p)) / n
  }

  return {
    get size() {
      return sizeOf(root)
    },
    get sum() {
      return sumOf(root)
    },
    insert(value) {
      if (!Number.isFinite(value)) {
        throw new RangeError(`Order statistic tree accepts finite numbers only, got ${value}`)
      }
      if (freeTop === 0) throw new RangeError(`Order statistic tree is full (${capacity} values)`)
      const node = freeList[--freeTop]!
      key[node] = value
      seed ^= seed << 13
      seed ^= seed >>> 17
      seed ^= seed << 5
      priority[node] = seed >>> 0
      left[node] = -1
      right[node] = -1
      pull(node)
      split(root, value)
      const below = splitLeft
      const above = splitRight
      root = merge(merge(below, node), above)
    },
    remove(value) {
      removed = false
      root = erase(root, value)
      return removed
    },
    kth,
    sumOfSmallest,
    median,
    medianAbsoluteDeviation,
    meanAbsoluteDeviation,
    clear: resetPool,
  }
}
