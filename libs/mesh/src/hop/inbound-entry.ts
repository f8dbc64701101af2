/**
 * @module hop/inbound-entry
 * What an inbound hop's queue holds (issue 16): an **entry** is one item of any weight, or a **run**,
 * consecutive items of one message with one key that weigh one sample each, so a message of 100 samples
 * of one sensor is one entry, one offer and one poll rather than a hundred. A run of the bridge's raw
 * batch keeps the batch's columns (`RawColumns`) and its samples are made only when the drain hands them
 * on: samples that wait in the queue (tens of milliseconds under load) are then not objects that the
 * garbage collector copies and promotes, which the mesh at 200 000 samples/s did with 39 MB of them a second
 * (a sampling heap profile of what survived scavenges).
 *
 * A run is split, as little as the policy needs, when the queue is short of room (`splitRun`, by the drain),
 * and the queue takes a run's oldest samples when it must evict only some (`trimRun`, its `trimHead`), so
 * every policy keeps and drops exactly the samples it would with one entry per sample.
 */
import { samplesFromColumns, type RawColumns } from '@sluice/contract'
import type { BoundedQueue, Sample } from '@sluice/stream'
import type { Delivery } from './ack-ledger.js'

/** One place in an inbound hop's queue; see the module note. */
export interface Entry<T> {
  readonly key: string
  /** The items `from` … `end − 1` (none when `columns` holds them). */
  readonly items: readonly T[]
  /** A raw batch's columns, whose samples `from` … `end − 1` are the entry's items (T is `Sample`). */
  readonly columns: RawColumns | undefined
  from: number
  readonly end: number
  /** Samples, as the queue counts them: `end − from` for a run. */
  weight: number
  /** When it was taken in (the hop's clock), for the wait W. */
  readonly at: number
  readonly delivery: Delivery | undefined
}

/** What every entry of one message shares. */
export interface EntryOrigin {
  readonly at: number
  readonly delivery: Delivery | undefined
}

const NO_ITEMS: readonly never[] = []

/** An entry of items `from` … `end − 1` (a run when they are several). */
export function itemsEntry<T>(
  key: string,
  items: readonly T[],
  from: number,
  end: number,
  weight: number,
  o: EntryOrigin,
): Entry<T> {
  return { key, items, columns: undefined, from, end, weight, at: o.at, delivery: o.delivery }
}

/**
 * Adds the entries of items `from` … `end − 1`, which share a key and weigh one sample each: runs of at
 * most `maxRun` (the drain's largest batch), each made by `make` from its own `from` and `end`.
 */
export function pushRuns<T>(
  into: Entry<T>[],
  from: number,
  end: number,
  maxRun: number,
  make: (from: number, end: number) => Entry<T>,
): void {
  for (let f = from; f < end; f += maxRun) into.push(make(f, Math.min(end, f + maxRun)))
}

/** The runs of a raw batch's columns. */
export function columnRuns<T>(
  key: string,
  columns: RawColumns,
  maxRun: number,
  o: EntryOrigin,
): Entry<T>[] {
  const runs: Entry<T>[] = []
  const { at, delivery } = o
  pushRuns(runs, 0, columns.n, maxRun, (from, end) => ({
    key,
    items: NO_ITEMS,
    columns,
    from,
    end,
    weight: end - from,
    at,
    delivery,
  }))
  return runs
}

/** True if the entry is a run with more than one item left. */
export const isRun = <T>(e: Entry<T>): boolean => e.end - e.from > 1

/**
 * For the queue's `trimHead`: a run gives up its oldest `samples` (each of its items weighs one); a single
 * item is evicted whole.
 */
export function trimRun<T>(e: Entry<T>, samples: number): boolean {
  if (e.end - e.from !== e.weight || e.weight <= samples) return false
  e.from += samples
  e.weight -= samples
  return true
}

/** Puts the entry's items into `batch` from index `at`; returns the index after the last. */
export function fillBatch<T>(e: Entry<T>, batch: T[], at: number): number {
  if (e.columns !== undefined)
    return samplesFromColumns(e.columns, e.from, e.end, batch as unknown as Sample[], at)
  for (let i = e.from; i < e.end; i++) batch[at++] = e.items[i]!
  return at
}

/** The entries of a run's items one by one, in order. */
function singles<T>(e: Entry<T>): Entry<T>[] {
  const items = new Array<T>(e.end - e.from)
  fillBatch(e, items, 0)
  return items.map((item) => itemsEntry(e.key, [item], 0, 1, 1, e))
}

/** The run's items `from` … `end − 1`, as an entry of their own. */
function part<T>(e: Entry<T>, from: number, end: number): Entry<T> {
  const { key, items, columns, at, delivery } = e
  return { key, items, columns, from, end, weight: end - from, at, delivery }
}

/**
 * How a run heavier than the queue's room (`queue.free` samples) is offered, so that the queue's policy
 * keeps and drops exactly the samples it would if each came alone; `undefined`: whole, as it is.
 * - `drop-oldest`: whole. The queue evicts the oldest samples it needs, trimming a run (`trimRun`), which
 *   are the ones single samples would evict, as long as the run is no heavier than the whole queue.
 * - `drop-newest` and `block`: the samples that fit, then the rest (dropped whole, or waiting for room).
 *   With no room at all, whole.
 * - `sample`, or a run heavier than the whole queue: one entry per sample, each an arrival of its own.
 *
 * Splitting every run into single samples, as this did at first, made a hop that fell behind slower per
 * sample (an entry and a sample object each), so that it fell further behind.
 */
export function splitRun<T>(
  e: Entry<T>,
  queue: Pick<BoundedQueue<Entry<T>>, 'policy' | 'capacity' | 'free'>,
): Entry<T>[] | undefined {
  const { free } = queue
  if (queue.policy === 'sample' || e.weight > queue.capacity) return singles(e)
  if (queue.policy === 'drop-oldest' || free === 0) return undefined
  return [part(e, e.from, e.from + free), part(e, e.from + free, e.end)]
}
