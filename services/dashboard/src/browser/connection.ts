/// <reference lib="dom" />
/**
 * @module browser/connection
 * The page's link to the dashboard server: an `EventSource` on `/events`. The browser reconnects an
 * event stream by itself after a network error (HTML §9.2, using the server's `retry: 1000`); when it
 * gives up (the server answered with an error status, e.g. while restarting behind a proxy) this opens a
 * new one after a pause that grows to 10 s. Every (re)connection starts with a snapshot.
 */
import type { Frame, Snapshot } from '../protocol.js'
import { epochMs } from '@sluice/contract'

/** What the connection reports. */
export type ConnectionState = 'connecting' | 'live' | 'reconnecting'

/** Callbacks of {@link connect}. */
export interface ConnectionHandlers {
  onSnapshot(s: Snapshot): void
  onFrame(f: Frame, receivedAt: number): void
  onState(state: ConnectionState): void
}

/**
 * Connects to `url` and keeps connecting; returns a function that closes for good.
 *
 * @example
 * ```ts
 * const close = connect('/events', { onSnapshot, onFrame, onState })
 * ```
 */
export function connect(url: string, h: ConnectionHandlers): () => void {
  let source: EventSource | undefined
  let closed = false
  let delay = 500
  let timer: number | undefined

  function open(): void {
    h.onState(source === undefined ? 'connecting' : 'reconnecting')
    const es = new EventSource(url)
    source = es
    es.addEventListener('snapshot', (e) => {
      delay = 500
      h.onState('live')
      h.onSnapshot(JSON.parse((e as MessageEvent<string>).data) as Snapshot)
    })
    es.addEventListener('frame', (e) => {
      const at = epochMs()
      h.onFrame(JSON.parse((e as MessageEvent<string>).data) as Frame, at)
    })
    es.onerror = () => {
      if (closed) return
      h.onState('reconnecting')
      if (es.readyState === EventSource.CLOSED) {
        timer = window.setTimeout(open, delay)
        delay = Math.min(delay * 2, 10_000)
      }
    }
  }

  open()
  return () => {
    closed = true
    if (timer !== undefined) window.clearTimeout(timer)
    source?.close()
  }
}
