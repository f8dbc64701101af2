/**
 * @module detect/treap
 * The node operations of the treap behind {@link createOrderStatisticTree}: split, merge, insert, erase and
 * rank selection over a fixed pool of nodes kept in typed arrays. They are module-level functions over one
 * {@link Treap} record rather than closures, so the tree's factory only wires them to its public methods.
 *
 * A treap (Seidel & Aragon, "Randomized search trees", Algorithmica 1996) is a binary search tree on the
 * keys and a heap on random priorities, which keeps its expected depth O(log n). Each node also keeps its
 * subtree size and sum, which gives the k-th key and prefix sums in one descent. Nothing here allocates.
 */

import type { StateObject, StateReader } from '../state/json-state.js'

/** A treap in typed arrays: node `t` has `key[t]`, children `left[t]`/`right[t]` (−1 for none), etc. */
export interface Treap {
  readonly capacity: number
  readonly key: Float64Array
  readonly subtreeSum: Float64Array
  readonly priority: Uint32Array
  readonly left: Int32Array
  readonly right: Int32Array
  readonly subtreeSize: Int32Array
  /** Stack of unused node indices; `freeList[0 .. freeTop)` are free. */
  readonly freeList: Int32Array
  freeTop: number
  root: number
  /** xorshift32 state for the priorities. */
  seed: number
  /** Outputs of {@link split}, kept here so a split allocates nothing. */
  splitLeft: number
  splitRight: number
  /** Set by {@link erase} when it found the value. */
  removed: boolean
}

/** Allocates an empty treap of `capacity` nodes. */
export function createTreap(capacity: number): Treap {
  const treap: Treap = {
    capacity,
    key: new Float64Array(capacity),
    subtreeSum: new Float64Array(capacity),
    priority: new Uint32Array(capacity),
    left: new Int32Array(capacity),
    right: new Int32Array(capacity),
    subtreeSize: new Int32Array(capacity),
    freeList: new Int32Array(capacity),
    freeTop: 0,
    root: -1,
    // xorshift32 (Marsaglia 2003): deterministic priorities keep runs reproducible; the expected O(log n)
    // depth only needs them to be independent of the keys.
    seed: 0x9e3779b9,
    splitLeft: -1,
    splitRight: -1,
    removed: false,
  }
  resetTreap(treap)
  return treap
}

/** Frees every node. */
export function resetTreap(p: Treap): void {
  const capacity = p.capacity
  p.freeTop = capacity
  for (let i = 0; i < capacity; i++) p.freeList[i] = capacity - 1 - i
  p.root = -1
}

/** The number of keys in subtree `t` (0 for none). */
export function sizeOf(p: Treap, t: number): number {
  return t < 0 ? 0 : p.subtreeSize[t]!
}

/** The sum of the keys in subtree `t` (0 for none). */
export function sumOf(p: Treap, t: number): number {
  return t < 0 ? 0 : p.subtreeSum[t]!
}

/** Recomputes node `t`'s size and sum from its children. */
function pull(p: Treap, t: number): void {
  const l = p.left[t]!
  const r = p.right[t]!
  p.subtreeSize[t] = sizeOf(p, l) + 1 + sizeOf(p, r)
  p.subtreeSum[t] = sumOf(p, l) + p.key[t]! + sumOf(p, r)
}

/** Splits `t` into keys `< v` (`p.splitLeft`) and keys `≥ v` (`p.splitRight`). */
function split(p: Treap, t: number, v: number): void {
  if (t < 0) {
    p.splitLeft = -1
    p.splitRight = -1
    return
  }
  if (p.key[t]! < v) {
    split(p, p.right[t]!, v)
    p.right[t] = p.splitLeft
    pull(p, t)
    p.splitLeft = t
  } else {
    split(p, p.left[t]!, v)
    p.left[t] = p.splitRight
    pull(p, t)
    p.splitRight = t
  }
}

/** Joins two treaps where every key of `a` is ≤ every key of `b`. */
function merge(p: Treap, a: number, b: number): number {
  if (a < 0) return b
  if (b < 0) return a
  if (p.priority[a]! > p.priority[b]!) {
    p.right[a] = merge(p, p.right[a]!, b)
    pull(p, a)
    return a
  }
  p.left[b] = merge(p, a, p.left[b]!)
  pull(p, b)
  return b
}

/** Adds `value` as a new node; the caller checks that it is finite and that a node is free. */
export function insertKey(p: Treap, value: number): void {
  const node = p.freeList[--p.freeTop]!
  p.key[node] = value
  let seed = p.seed
  seed ^= seed << 13
  seed ^= seed >>> 17
  seed ^= seed << 5
  p.seed = seed
  p.priority[node] = seed >>> 0
  p.left[node] = -1
  p.right[node] = -1
  pull(p, node)
  split(p, p.root, value)
  const below = p.splitLeft
  const above = p.splitRight
  p.root = merge(p, merge(p, below, node), above)
}

/** Removes one node with key `v` from subtree `t`, setting `p.removed`; returns the new subtree root. */
export function erase(p: Treap, t: number, v: number): number {
  if (t < 0) return -1
  if (p.key[t] === v) {
    p.removed = true
    const joined = merge(p, p.left[t]!, p.right[t]!)
    p.freeList[p.freeTop++] = t
    return joined
  }
  // Insertion puts keys equal to a node's key on its right, and keys below it on its left, so a value
  // below key[t] can only be on the left and one above it only on the right.
  if (v < p.key[t]!) p.left[t] = erase(p, p.left[t]!, v)
  else p.right[t] = erase(p, p.right[t]!, v)
  pull(p, t)
  return t
}

/** The k-th smallest key, `k` from 0. @throws RangeError when out of range. */
export function selectKth(p: Treap, k: number): number {
  if (!(k >= 0 && k < sizeOf(p, p.root))) {
    throw new RangeError(`Rank ${k} is out of range for ${sizeOf(p, p.root)} values`)
  }
  let t = p.root
  let rank = k
  for (;;) {
    const leftSize = sizeOf(p, p.left[t]!)
    if (rank < leftSize) t = p.left[t]!
    else if (rank === leftSize) return p.key[t]!
    else {
      rank -= leftSize + 1
      t = p.right[t]!
    }
  }
}

/** The sum of the `k` smallest keys. */
export function sumOfSmallestKeys(p: Treap, k: number): number {
  let acc = 0
  let t = p.root
  let rest = Math.min(k, sizeOf(p, p.root))
  while (t >= 0 && rest > 0) {
    const leftSize = sizeOf(p, p.left[t]!)
    if (rest <= leftSize) t = p.left[t]!
    else {
      acc += sumOf(p, p.left[t]!) + p.key[t]!
      rest -= leftSize + 1
      t = p.right[t]!
    }
  }
  return acc
}

/** The whole state of a {@link Treap} (issue 13): its node arrays as plain arrays, and its registers. */
export interface TreapState {
  readonly key: number[]
  readonly subtreeSum: number[]
  readonly priority: number[]
  readonly left: number[]
  readonly right: number[]
  readonly subtreeSize: number[]
  readonly freeList: number[]
  readonly freeTop: number
  readonly root: number
  readonly seed: number
}

/** The whole state of `p`, so a restored treap has the same shape and so the same rounding in its sums. */
export function treapState(p: Treap): TreapState {
  return {
    key: Array.from(p.key),
    subtreeSum: Array.from(p.subtreeSum),
    priority: Array.from(p.priority),
    left: Array.from(p.left),
    right: Array.from(p.right),
    subtreeSize: Array.from(p.subtreeSize),
    freeList: Array.from(p.freeList),
    freeTop: p.freeTop,
    root: p.root,
    seed: p.seed,
  }
}

/**
 * Restores a decoded {@link TreapState} into `p` (of the same capacity), after checking with `r` that its
 * nodes form one tree (no cycle, no shared node) and that the free list holds the rest; throws before it
 * changes anything otherwise.
 */
export function restoreTreap(p: Treap, r: StateReader, s: StateObject, path: string): void {
  const n = p.capacity
  const ints = (name: string, min: number, end = n): number[] => {
    const xs = r.numbers(s[name], `${path}.${name}`, n)
    xs.forEach((x, i) => {
      if (!Number.isInteger(x) || x < min || x >= end) {
        r.fail(`${path}.${name}[${i}]`, 'is out of range')
      }
    })
    return xs
  }
  const left = ints('left', -1)
  const right = ints('right', -1)
  const state = {
    key: r.numbers(s.key, `${path}.key`, n),
    subtreeSum: r.numbers(s.subtreeSum, `${path}.subtreeSum`, n),
    priority: ints('priority', 0, 2 ** 32),
    subtreeSize: ints('subtreeSize', 0, n + 1),
    freeList: ints('freeList', 0),
    freeTop: r.integer(s.freeTop, `${path}.freeTop`),
    root: r.integer(s.root, `${path}.root`, -1),
    seed: r.integer(s.seed, `${path}.seed`, -(2 ** 31)),
  }
  // Every node is reached once from the root or is free, and no more: the tree has no cycle.
  const seen = new Uint8Array(n)
  const stack = state.root >= 0 ? [state.root] : []
  let nodes = 0
  while (stack.length > 0) {
    const t = stack.pop()!
    if (t >= n || seen[t] === 1) r.fail(path, 'is not a tree')
    seen[t] = 1
    nodes++
    if (left[t]! >= 0) stack.push(left[t]!)
    if (right[t]! >= 0) stack.push(right[t]!)
  }
  if (nodes + state.freeTop !== n) r.fail(`${path}.freeTop`, 'does not count the free nodes')
  for (let i = 0; i < state.freeTop; i++) {
    const f = state.freeList[i]!
    if (f >= n || seen[f] === 1) r.fail(`${path}.freeList[${i}]`, 'is not a free node')
    seen[f] = 1
  }
  p.key.set(state.key)
  p.subtreeSum.set(state.subtreeSum)
  p.priority.set(state.priority)
  p.left.set(left)
  p.right.set(right)
  p.subtreeSize.set(state.subtreeSize)
  p.freeList.set(state.freeList)
  p.freeTop = state.freeTop
  p.root = state.root
  p.seed = state.seed
}
