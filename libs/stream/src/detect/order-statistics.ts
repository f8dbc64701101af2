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
import type { StateObject, StateReader } from '../state/json-state.js'
import {
  createTreap,
  erase,
  insertKey,
  resetTreap,
  restoreTreap,
  selectKth,
  sizeOf,
  sumOf,
  sumOfSmallestKeys,
  treapState,
  type Treap,
  type TreapState,
} from './treap.js'

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
  /** The whole state, node layout included (issue 13: a restored tree rounds its sums the same way). */
  saveState(): TreapState
  /** Restores a decoded {@link OrderStatisticTree.saveState}, checked with `r`; unchanged if it throws. */
  loadState(r: StateReader, s: StateObject, path: string): void
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
  const treap = createTreap(capacity)
  return {
    get size() {
      return sizeOf(treap, treap.root)
    },
    get sum() {
      return sumOf(treap, treap.root)
    },
    insert(value) {
      if (!Number.isFinite(value)) {
        throw new RangeError(`Order statistic tree accepts finite numbers only, got ${value}`)
      }
      if (treap.freeTop === 0) {
        throw new RangeError(`Order statistic tree is full (${capacity} values)`)
      }
      insertKey(treap, value)
    },
    remove(value) {
      treap.removed = false
      treap.root = erase(treap, treap.root, value)
      return treap.removed
    },
    kth: (k) => selectKth(treap, k),
    sumOfSmallest: (k) => sumOfSmallestKeys(treap, k),
    median: () => medianOf(treap),
    medianAbsoluteDeviation: () => medianAbsoluteDeviationOf(treap),
    meanAbsoluteDeviation: () => meanAbsoluteDeviationOf(treap),
    clear: () => {
      resetTreap(treap)
    },
    saveState: () => treapState(treap),
    loadState: (r, s, path) => {
      restoreTreap(treap, r, s, path)
    },
  }
}

function medianOf(p: Treap): number {
  const n = sizeOf(p, p.root)
  if (n === 0) return Number.NaN
  const half = n >>> 1
  return n % 2 === 1 ? selectKth(p, half) : (selectKth(p, half - 1) + selectKth(p, half)) / 2
}

// The two ascending sequences of distances from the median `centre`: the lower half (the `lowerCount`
// smallest) read outwards from the median, and the upper half likewise. Passed as arguments, not closures,
// so a query allocates nothing.
function lowerDistance(p: Treap, centre: number, lowerCount: number, i: number): number {
  return centre - selectKth(p, lowerCount - 1 - i)
}
function upperDistance(p: Treap, centre: number, lowerCount: number, j: number): number {
  return selectKth(p, lowerCount + j) - centre
}

/**
 * The r-th smallest (from 0) of the merge of the lower (length `lowerCount`) and upper (length b)
 * distances, by binary search on how many come from the lower ones (the classic two-sorted-arrays
 * selection).
 */
function selectDistance(
  p: Treap,
  centre: number,
  lowerCount: number,
  r: number,
  b: number,
): number {
  let lo = Math.max(0, r + 1 - b)
  let hi = Math.min(r + 1, lowerCount)
  while (lo < hi) {
    const i = (lo + hi) >>> 1
    if (lowerDistance(p, centre, lowerCount, i) < upperDistance(p, centre, lowerCount, r - i)) {
      lo = i + 1
    } else hi = i
  }
  const fromLower = lo > 0 ? lowerDistance(p, centre, lowerCount, lo - 1) : Number.NEGATIVE_INFINITY
  const fromUpper =
    r - lo >= 0 ? upperDistance(p, centre, lowerCount, r - lo) : Number.NEGATIVE_INFINITY
  return Math.max(fromLower, fromUpper)
}

function medianAbsoluteDeviationOf(p: Treap): number {
  const n = sizeOf(p, p.root)
  if (n === 0) return Number.NaN
  const centre = medianOf(p)
  const lowerCount = (n + 1) >>> 1
  const upperCount = n - lowerCount
  const half = n >>> 1
  if (n % 2 === 1) return selectDistance(p, centre, lowerCount, half, upperCount)
  return (
    (selectDistance(p, centre, lowerCount, half - 1, upperCount) +
      selectDistance(p, centre, lowerCount, half, upperCount)) /
    2
  )
}

function meanAbsoluteDeviationOf(p: Treap): number {
  const n = sizeOf(p, p.root)
  if (n === 0) return Number.NaN
  const m = medianOf(p)
  const k = (n + 1) >>> 1
  const lowerSum = sumOfSmallestKeys(p, k)
  const upperSum = sumOf(p, p.root) - lowerSum
  // Σ|x − m| = Σ_lower (m − x) + Σ_upper (x − m); rounding can leave a tiny negative, so clamp.
  return Math.max(0, m * k - lowerSum + upperSum - m * (n - k)) / n
}
