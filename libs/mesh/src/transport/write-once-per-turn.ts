/**
 * @module transport/write-once-per-turn
 * One system call per socket per turn of the event loop, not one per MQTT packet (issue 16). mqtt-packet
 * corks a socket only for the tick that writes one packet, so a broker that writes a PUBACK and a delivery
 * per message, or a client that publishes many small messages, made one `writev` each: in a profile of the
 * embedded broker under 100 simulated devices at 100 Hz (one sample per message), `writev` was 363 of its
 * 745 ms of CPU per second. Corked for the rest of the turn, the packets go out together at its end
 * (`setImmediate`). A packet waits at most that long; backpressure is unchanged (`write` returns false
 * once the corked bytes pass the stream's high-water mark, and a `drain` follows as before).
 *
 * Used on TCP and TLS sockets, the broker's and the MQTT transport's, and on the broker's in-memory links
 * to the services of its own process (`broker/src/local-link.ts`), where a turn's packets then reach the
 * reader as one chunk.
 */
import type { Socket } from 'node:net'
import type { Writable } from 'node:stream'

/** The streams {@link writeOncePerTurn} has set up. */
const perTurn = new WeakSet<Writable>()

/**
 * Makes what is written to `stream` in one turn of the event loop go out in one write at its end.
 *
 * mqtt-packet corks a stream around each packet it writes, and uncorks it on the next tick, whenever the
 * stream has a `cork` method. Here the stream is corked for the whole turn already, so that is a
 * `process.nextTick` per packet that changes nothing (1.5–4 % of the one-process mesh's CPU, issue 16).
 * The stream therefore shows no `cork` of its own afterwards: this function corks it, and `uncork`, `end`
 * and backpressure work as before. Nothing else may cork it.
 */
export function writeOncePerTurn(stream: Writable): void {
  if (perTurn.has(stream)) return
  perTurn.add(stream)
  const write = stream.write.bind(stream)
  const cork = stream.cork.bind(stream)
  let corked = false
  const uncork = (): void => {
    corked = false
    stream.uncork()
  }
  stream.write = ((...args: Parameters<Writable['write']>) => {
    if (!corked) {
      corked = true
      cork()
      setImmediate(uncork)
    }
    return write(...args)
  }) as Writable['write']
  Object.defineProperty(stream, 'cork', { value: undefined, writable: true, configurable: true })
}

/**
 * How every socket that carries MQTT packets is set up, the broker's accepted sockets and the services'
 * client sockets alike: Nagle's algorithm (RFC 896) off (TCP_NODELAY), and what one turn writes sent in one
 * system call ({@link writeOncePerTurn}). With Nagle on, a small packet written while an earlier one is
 * unacknowledged waits for that ACK, which the peer may delay (Linux: 40 ms), and a lone sample, aggregate
 * or PUBACK is exactly such a packet. Measured in `bench/mesh/latency.ts` (one process, 1 000 samples/s):
 * p50 ingest → anomaly event 14.1 ms with Nagle, 7.2 ms without (issue 16). mqtt.js and Aedes write each
 * packet whole, so nothing is sent in fragments.
 */
export function sendPacketsPromptly(socket: Socket): void {
  socket.setNoDelay(true)
  writeOncePerTurn(socket)
}
