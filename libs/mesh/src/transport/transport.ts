/**
 * @module transport/transport
 * The one seam between the runtime and a message system (DESIGN.md §12): connect, subscribe and
 * unsubscribe per filter, publish with QoS and retain, a message handler with an acknowledgement callback
 * for flow control, and close. MQTT (mqtt.js) is the one implementation today; NATS JetStream can sit
 * beside it without touching hops, metrics or services.
 */

/** Delivery guarantee [MQTT-4.3]: 0 at most once, 1 at least once, 2 exactly once. */
export type Qos = 0 | 1 | 2

/** A message as a transport delivers it. */
export interface TransportMessage {
  readonly topic: string
  readonly payload: Uint8Array
  readonly qos: Qos
  readonly retain: boolean
  /**
   * True when the engine delivers again a message this client already acknowledged (JetStream, after
   * a server died before the acknowledgement was stored): the hop counts it as `duplicate`, not again.
   */
  readonly duplicate?: boolean
}

/**
 * How a message was settled: `taken` (queued, or dropped by policy and counted) acknowledges it; `leave`
 * does not acknowledge it but lets the transport read on, so the broker keeps it for this session and
 * delivers it again after a reconnect (on a persistent session; on a clean one it is gone).
 */
export type AckOutcome = 'taken' | 'leave'

/**
 * Receives a message. Call `ack` once the message is settled: until then the transport withholds the
 * QoS 1/2 acknowledgement and stops reading, which is how the `block` policy pushes back (DESIGN.md §5).
 * Call it exactly once.
 *
 * `readOn`, when the transport gives it, separates the two: calling it lets the transport read the next
 * message at once, while the acknowledgement still waits for `ack` (the at-least-once `handled` mode of
 * inbound hops). Acknowledgements still go out in arrival order [MQTT-4.6.0-2]; one whose connection
 * dropped meanwhile is never sent (the broker delivers the message again). It is `undefined` where the
 * transport cannot do that (QoS 0 has no acknowledgement; mqtt.js handles QoS 2's PUBREC itself).
 */
export type MessageHandler = (
  message: TransportMessage,
  ack: (outcome?: AckOutcome) => void,
  readOn?: () => void,
) => void

/** Options of {@link Transport.publish}. */
export interface PublishOptions {
  readonly qos: Qos
  readonly retain?: boolean
}

/** Connection events, for logging and metrics. */
export type TransportEvent =
  | { readonly type: 'connect' }
  | { readonly type: 'disconnect'; readonly reason?: string }
  | { readonly type: 'error'; readonly error: Error }

/** A message-system connection. */
export interface Transport {
  /** The client id the broker knows this connection by. */
  readonly clientId: string
  /** True while connected. */
  readonly connected: boolean
  /** Connects; resolves on the first successful connection, rejects if it fails. */
  connect(): Promise<void>
  /**
   * Subscribes to one filter, or to several in one SUBSCRIBE packet. The filter's retained messages
   * come first, and again after every reconnect, whether or not the broker kept the session (a group
   * member that reconnected must hear the statuses of the members that did not).
   */
  subscribe(filter: string | readonly string[], qos: Qos): Promise<void>
  /** Unsubscribes one filter, or several in one UNSUBSCRIBE packet. */
  unsubscribe(filter: string | readonly string[]): Promise<void>
  /**
   * Publishes; resolves when written (QoS 0) or acknowledged (QoS 1 PUBACK, QoS 2 PUBCOMP), and rejects
   * when the message cannot be sent.
   */
  publish(topic: string, payload: string | Uint8Array, options: PublishOptions): Promise<void>
  /** Sets the one message handler (the hop router). */
  onMessage(handler: MessageHandler): void
  /** Subscribes to connection events; returns an unsubscribe function. */
  onEvent(listener: (event: TransportEvent) => void): () => void
  /**
   * Closes. `graceful` (default) waits up to `timeoutMs` (default 2000) for unacknowledged publishes and
   * sends DISCONNECT, so the broker does NOT publish the last will; if publishes are still unacknowledged
   * then, or with `graceful: false`, it drops the socket as a crash would, and the will fires.
   */
  close(options?: { readonly graceful?: boolean; readonly timeoutMs?: number }): Promise<void>
}
