/**
 * @module sink-hop/waiter
 * The sender's one sleep at a time, and why it sleeps: an arrival or a flush may cut short an idle or a
 * linger wait, never a backoff or a wait for tokens (an outage must not become a busy loop).
 */

/** Why the sender sleeps. */
export type WaitReason = 'idle' | 'linger' | 'rate' | 'backoff'

/** The sender's sleep, which others may cut short. */
export interface Waiter {
  /** Why the sender sleeps now, or undefined while it works. */
  readonly waiting: WaitReason | undefined
  sleep(ms: number, why: WaitReason): Promise<void>
  /** Ends the current sleep, if any. */
  wake(): void
}

/** Creates the sender's waiter. */
export function createWaiter(): Waiter {
  let waiting: WaitReason | undefined
  let wake: (() => void) | undefined
  return {
    get waiting() {
      return waiting
    },
    sleep: (ms, why) =>
      new Promise((resolve) => {
        waiting = why
        const done = (): void => {
          clearTimeout(t)
          wake = undefined
          waiting = undefined
          resolve()
        }
        const t = setTimeout(done, ms)
        wake = done
      }),
    wake: () => {
      wake?.()
    },
  }
}
