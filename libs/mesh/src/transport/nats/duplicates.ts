/**
 * @module transport/nats/duplicates
 * What one JetStream consumer has handed on lately, to know a message it gets a second time. At least
 * once means duplicates after a failure, from two places:
 * - a **redelivery** of a stream sequence already taken (its acknowledgement died with a server, or is
 *   still to come from a handler in `handled` mode), or its delivery by the consumer started again after
 *   a reconnect (`consumers.ts`);
 * - a **publish stored twice**: sent again after its server died, to a new stream leader that had not yet
 *   learnt the first copy's message id (`Nats-Msg-Id`).
 * Both memories are bounded (the newest 65 536 of each). A message let go (`leave`) is forgotten, so it
 * counts as new when it comes again.
 */
import type { JsMsg } from '@nats-io/jetstream'

const MEMORY = 65_536

function add<T>(set: Set<T>, value: T): void {
  set.add(value)
  if (set.size > MEMORY) set.delete(set.values().next().value!)
}

/** The duplicate memory of one consumer. */
export interface DuplicateMemory {
  /** True if `m` was handed on before; remembers it either way. */
  seen(m: JsMsg): boolean
  /** Forgets `m` (it was let go, and will come again). */
  forget(m: JsMsg): void
}

/** Creates an empty memory. */
export function createDuplicateMemory(): DuplicateMemory {
  const taken = new Set<number>()
  const ids = new Set<string>()
  const idOf = (m: JsMsg): string | undefined => {
    const id = m.headers?.get('Nats-Msg-Id')
    return id === undefined || id === '' ? undefined : id
  }
  return {
    seen(m) {
      const id = idOf(m)
      // Not `m.redelivered` alone: a consumer started again after a reconnect delivers anew.
      const again = taken.has(m.seq) || (id !== undefined && ids.has(id))
      add(taken, m.seq)
      if (id !== undefined) add(ids, id)
      return again
    },
    forget(m) {
      taken.delete(m.seq)
      const id = idOf(m)
      if (id !== undefined) ids.delete(id)
    },
  }
}
