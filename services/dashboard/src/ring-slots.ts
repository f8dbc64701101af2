/**
 * @module ring-slots
 * The positions of a fixed-capacity ring, oldest first: which physical slot holds the `k`-th oldest
 * entry, and which slot a new newest entry takes (the oldest's, once full). The dashboard's rings keep
 * their columns as parallel `Float64Array`s (raw samples in {@link SampleRing}, window aggregates in the
 * page's `WindowRing`) and share these positions. Pure (no DOM, no Node), so both the server and the page
 * (bundled by esbuild) use it.
 */

/** The positions of a fixed-capacity ring; a subclass holds the columns. */
export abstract class RingSlots {
  protected head = 0
  protected size = 0

  constructor(readonly capacity: number) {}

  /** Entries held. */
  get length(): number {
    return this.size
  }

  /** Physical index of the `k`-th oldest entry. */
  index(k: number): number {
    return (this.head + k) % this.capacity
  }

  /** Takes the slot of a new newest entry, dropping the oldest when full; returns its physical index. */
  protected append(): number {
    const k = this.index(this.size)
    if (this.size < this.capacity) this.size++
    else this.head = (this.head + 1) % this.capacity
    return k
  }
}
