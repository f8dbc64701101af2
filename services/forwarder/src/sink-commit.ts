/**
 * @module sink-commit
 * Group commit of the forwarder's spool writes (issue 16). The inbound hop hands the service one batch per
 * sensor, usually the aggregates of one message, and each sink spooled every batch with a write of its own:
 * under load, one `write` system call per message and sink. Here a sink's items of every batch handled in
 * one turn of the event loop are offered to its hop together, at the turn's end, so its spool writes them
 * with one write. Order is kept: a sink's items are offered in the order they came.
 *
 * Nothing is acknowledged earlier than before: outside `handled` mode the inbound hop acknowledges a
 * message once it is queued, before it is handled, so items waiting here for the turn's end are in the same
 * place as those still in the hop's queue; in `handled` mode the acknowledgement follows the handler, so a
 * confirming batch commits before its handler returns (`commit`), and the broker's PUBACK still follows
 * the spool write. `commit` is also what the service calls before it stops its sinks.
 */

/** What is committed: anything that takes a sink's items with one spool write. */
export interface CommitTarget<T> {
  offer(items: readonly T[]): void
}

/** The items waiting for the turn's end, per sink. */
export interface SinkCommits<T> {
  /** Adds a batch's items for `target`; they are offered at the end of this turn, or at `commit`. */
  add(target: CommitTarget<T>, items: readonly T[]): void
  /** Offers every waiting item now, each target's in one offer. */
  commit(): void
}

/**
 * Creates the group commit. `defer` runs a callback once the current turn's work is done (default
 * `setImmediate`: after the inbound hop's drain pass, which runs on promises within one turn).
 *
 * @example
 * const commits = createSinkCommits<ForwardItem>()
 * commits.add(hop, items) // spooled with the turn's other batches
 * if (batch.confirming) commits.commit() // spooled now: the PUBACK follows
 */
export function createSinkCommits<T>(
  defer: (run: () => void) => void = (run) => void setImmediate(run),
): SinkCommits<T> {
  const waiting = new Map<CommitTarget<T>, T[]>()
  let scheduled = false

  function commit(): void {
    scheduled = false
    if (waiting.size === 0) return
    const due = [...waiting]
    waiting.clear()
    for (const [target, items] of due) target.offer(items)
  }

  return {
    add(target, items) {
      const list = waiting.get(target)
      if (list === undefined) waiting.set(target, [...items])
      else for (const item of items) list.push(item)
      if (scheduled) return
      scheduled = true
      defer(commit)
    },
    commit,
  }
}
