/**
 * @module transport/nats/bucket-watch
 * A watch of a whole key-value bucket that lasts: its values at the start, then every change; when the
 * watch ends (its consumer died with a server) or is ended on purpose (found stuck), it is opened again
 * right after the last revision it showed.
 */
import type { KV, KvEntry } from '@nats-io/kv'

/** Options of {@link watchBucket}. */
export interface BucketWatchOptions {
  readonly kv: KV
  readonly apply: (e: KvEntry) => void
  /** The newest revision applied so far (where a reopened watch resumes). */
  readonly revision: () => number
  readonly onError: (err: unknown) => void
}

/** A running watch. */
export interface BucketWatch {
  /** Resolves once the bucket's values at the start were applied. */
  readonly ready: Promise<void>
  /** Ends the current watch; a new one opens where it ended. */
  reopen(): void
  /** Ends it for good. */
  stop(): void
}

/** Reads one watch to its end; calls `ready` once the values at its start are applied. */
async function follow(
  o: BucketWatchOptions,
  resume: boolean,
  ready: () => void,
  onOpen: (stop: () => void) => void,
): Promise<void> {
  const initial = resume ? 0 : (await o.kv.status()).values
  const iter = await o.kv.watch({
    key: '>',
    ...(resume ? { resumeFromRevision: o.revision() + 1 } : {}),
  })
  onOpen(() => iter.stop())
  let pending = initial
  if (pending === 0) ready()
  // A bucket whose count includes markers the watch skips: do not wait for ever.
  setTimeout(ready, 3000).unref()
  try {
    for await (const e of iter) {
      o.apply(e)
      if (!e.isUpdate && (e.delta ?? 0) === 0) pending = 0
      if (pending === 0 || e.isUpdate) ready()
    }
  } catch (err) {
    o.onError(err)
  }
  ready()
}

/** Watches `o.kv` until stopped. */
export function watchBucket(o: BucketWatchOptions): BucketWatch {
  let stopped = false
  let stopCurrent: (() => void) | undefined
  const ready = new Promise<void>((resolve, reject) => {
    void (async () => {
      for (let first = true; !stopped; first = false) {
        try {
          await follow(o, !first, resolve, (stop) => (stopCurrent = stop))
        } catch (err) {
          if (first) return reject(err instanceof Error ? err : new Error(String(err)))
          o.onError(err)
        }
        if (!stopped) await new Promise((r) => setTimeout(r, 500))
      }
    })()
  })
  return {
    ready,
    reopen: () => stopCurrent?.(),
    stop() {
      stopped = true
      stopCurrent?.()
    },
  }
}
