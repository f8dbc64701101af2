/**
 * @module transport/mqtt-flow-control
 * The flow control of the MQTT transport (see its module note): every incoming PUBLISH goes through our
 * `handleMessage` override, and mqtt.js sends the PUBACK and reads the next packet only when we call its
 * callback. A QoS 1 acknowledgement that must wait behind earlier deferred ones, or whose handler reads on
 * before acknowledging, gets a place in an ordered list and is written once everything before it is
 * settled, on the connection it arrived on.
 *
 * The PUBACKs of every message read in one turn of the event loop still go out in one write, in arrival
 * order [MQTT-4.6.0-2]: mqtt.js writes each on its own tick, and the stream under it (a TCP socket, or the
 * broker's in-memory link in one process) holds a turn's writes for one system call at its end
 * (`write-once-per-turn.ts`). One `writev` per PUBACK had been the consumers' largest system cost in the
 * mesh profile (issue 16). A WebSocket stream writes each on its own.
 */
import type { MqttClient } from 'mqtt'
import type { AckOutcome, MessageHandler, TransportMessage } from './transport.js'

/** A QoS 1 acknowledgement owed, in arrival order; `outcome` is set once the message is settled. */
interface DeferredAck {
  readonly messageId: number
  readonly generation: number
  outcome: AckOutcome | undefined
}

/** Gives a message its place at the end of the ordered acknowledgements. */
function takePlace(deferred: DeferredAck[], messageId: number, generation: number): DeferredAck {
  const slot: DeferredAck = { messageId, generation, outcome: undefined }
  deferred.push(slot)
  return slot
}

/** The one mqtt.js internal used: how its publish handler writes a PUBACK. */
interface MqttInternals {
  _sendPacket(packet: { cmd: 'puback'; messageId: number }): void
}

/**
 * What mqtt.js's callback gets when we acknowledge later: any error makes it skip its own PUBACK. One
 * shared object, as mqtt.js only tests it: a new Error per message would capture a stack trace each time.
 */
const ACK_DEFERRED = new Error('acknowledgement deferred')

/** The flow control of one MQTT transport, across its connections. */
export interface MqttFlowControl {
  /** A new connection: acknowledgements owed on earlier ones are dropped, not sent on this one. */
  connected(): void
  /** The `handleMessage` override of mqtt.js: hands each message to `handler()` with its ack. */
  readonly handleMessage: MqttClient['handleMessage']
}

/**
 * Creates the flow control over the current client (`client()`) and message handler (`handler()`).
 */
export function createMqttFlowControl(
  client: () => MqttClient | undefined,
  handler: () => MessageHandler,
): MqttFlowControl {
  // Deferred QoS 1 acknowledgements, in arrival order; `generation` counts connections, so an
  // acknowledgement owed on a connection that has dropped is never sent on the next one (its packet id
  // may name another message there; the broker delivers ours again anyway).
  const deferred: DeferredAck[] = []
  let generation = 0

  /** Writes the acknowledgements at the head of the list that are settled, in order. */
  function flushDeferred(): void {
    const c = client()
    while (deferred.length > 0) {
      const head = deferred[0]!
      if (head.generation === generation && head.outcome === undefined) return
      deferred.shift()
      if (head.generation !== generation || head.outcome === 'leave' || c?.connected !== true)
        continue
      // mqtt.js has no public call to acknowledge later; `_sendPacket` writes a PUBACK as its own
      // publish handler does (handlers/publish.js).
      ;(c as unknown as MqttInternals)._sendPacket({ cmd: 'puback', messageId: head.messageId })
    }
  }

  return {
    connected() {
      generation++
      flushDeferred()
    },
    // [MQTT-4.3.2] The PUBACK goes out when `done` is called: deferring it is our flow control.
    handleMessage(packet, done) {
      const message: TransportMessage = {
        topic: packet.topic,
        payload: typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload,
        qos: packet.qos,
        retain: packet.retain,
      }
      let called = false
      let read = false
      // A QoS 1 message gets a place in the ordered acknowledgements when it must wait behind earlier
      // deferred ones, or when its handler reads on before acknowledging it.
      const messageId = packet.messageId
      let slot =
        packet.qos === 1 && messageId !== undefined && deferred.length > 0
          ? takePlace(deferred, messageId, generation)
          : undefined
      // mqtt.js sends no PUBACK when the callback gets an error, and reads the next packet all the
      // same (handlers/publish.js, client.js `nextTickWork`): the message stays unacknowledged at the
      // broker, which redelivers it to a persistent session [MQTT-4.4.0-1].
      const readOnNow = (): void => {
        if (read) return
        read = true
        done(ACK_DEFERRED)
      }
      const readOn =
        packet.qos === 1 && messageId !== undefined
          ? (): void => {
              if (read || called) return
              slot ??= takePlace(deferred, messageId, generation)
              readOnNow()
            }
          : undefined
      handler()(
        message,
        (outcome) => {
          if (called) return
          called = true
          if (slot === undefined) {
            // Nothing was owed before it (else it would have a slot): mqtt.js acknowledges it now.
            if (outcome === 'leave') done(new Error('left unacknowledged for redelivery'))
            else done()
            return
          }
          slot.outcome = outcome ?? 'taken'
          readOnNow()
          flushDeferred()
        },
        readOn,
      )
    },
  }
}
