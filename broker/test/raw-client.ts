/**
 * @module test/raw-client
 * A minimal MQTT 3.1.1 subscriber over a raw TCP socket, for tests that need to stop reading at the
 * socket level (`pause()`), which mqtt.js cannot do cleanly. It counts PUBLISH packets and acknowledges
 * QoS 1 ones, which also stops when the socket is paused — exactly a consumer that stopped reading.
 */
import { connect, type Socket } from 'node:net'
import { encodeRemainingLength, str } from './raw-connect.js'

function packet(type: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([type]), encodeRemainingLength(body.length), body])
}

/** A raw subscriber. */
export interface RawSubscriber {
  readonly socket: Socket
  /** PUBLISH packets received so far. */
  readonly received: number
  /** CONNACK return code (0 = accepted). */
  readonly connackCode: number | undefined
  subscribe(filter: string, qos: 0 | 1): Promise<void>
  /** Stops reading the socket (the kernel buffers fill, then the broker's writes back up). */
  pause(): void
  resume(): void
  close(): void
}

/** Connects a raw subscriber and resolves after CONNACK. */
export function connectRaw(
  port: number,
  clientId: string,
  options: { host?: string; clean?: boolean } = {},
): Promise<RawSubscriber> {
  const socket = connect(port, options.host ?? '127.0.0.1')
  let buffer: Buffer = Buffer.alloc(0)
  let received = 0
  let connackCode: number | undefined
  let onConnack: ((code: number) => void) | undefined
  let onSuback: (() => void) | undefined

  socket.on('data', (chunk: Buffer) => {
    buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk])
    const acks: Buffer[] = []
    for (;;) {
      if (buffer.length < 2) break
      let mult = 1
      let len = 0
      let i = 1
      let complete = false
      while (i < buffer.length && i <= 4) {
        const b = buffer[i]!
        len += (b & 0x7f) * mult
        mult *= 128
        i++
        if ((b & 0x80) === 0) {
          complete = true
          break
        }
      }
      if (!complete || buffer.length < i + len) break
      const type = buffer[0]! >> 4
      const flags = buffer[0]! & 0x0f
      const body = buffer.subarray(i, i + len)
      buffer = buffer.subarray(i + len)
      if (type === 3) {
        received++
        const qos = (flags >> 1) & 3
        if (qos > 0) {
          const topicLength = body.readUInt16BE(0)
          const id = body.readUInt16BE(2 + topicLength)
          acks.push(Buffer.from([0x40, 2, id >> 8, id & 0xff]))
        }
      } else if (type === 2) {
        connackCode = body[1]
        onConnack?.(body[1]!)
      } else if (type === 9) {
        onSuback?.()
      }
    }
    if (acks.length > 0) socket.write(Buffer.concat(acks))
  })
  socket.on('error', () => undefined)

  const subscriber: RawSubscriber = {
    socket,
    get received() {
      return received
    },
    get connackCode() {
      return connackCode
    },
    subscribe(filter, qos) {
      return new Promise<void>((resolve) => {
        onSuback = resolve
        const body = Buffer.concat([Buffer.from([0, 1]), str(filter), Buffer.from([qos])])
        socket.write(packet(0x82, body))
      })
    },
    pause() {
      socket.pause()
    },
    resume() {
      socket.resume()
    },
    close() {
      socket.destroy()
    },
  }

  return new Promise<RawSubscriber>((resolve, reject) => {
    socket.once('error', reject)
    socket.once('close', () => {
      if (connackCode === undefined) reject(new Error('closed before CONNACK'))
    })
    onConnack = () => {
      socket.off('error', reject)
      resolve(subscriber)
    }
    const flags = options.clean === false ? 0x00 : 0x02
    const body = Buffer.concat([
      str('MQTT'),
      Buffer.from([4, flags, 0, 0]), // protocol level 4, no keepalive: a paused client sends no PINGREQ
      str(clientId),
    ])
    socket.write(packet(0x10, body))
  })
}

/** A raw publisher: pre-encoded PUBLISH packets written in batches, the cheapest load a test can make. */
export interface RawPublisher {
  /** Writes `count` PUBLISH packets in one socket write; resolves when the socket took them. */
  publish(topic: string, payload: Buffer, qos: 0 | 1, count: number): Promise<void>
  close(): void
}

/** Connects a raw publisher (it reads and ignores PUBACKs) and resolves after CONNACK. */
export async function connectRawPublisher(port: number, clientId: string): Promise<RawPublisher> {
  const sub = await connectRaw(port, clientId)
  const socket = sub.socket
  let nextId = 1
  return {
    publish(topic, payload, qos, count) {
      const topicBytes = str(topic)
      const packets: Buffer[] = []
      for (let i = 0; i < count; i++) {
        if (qos === 0) {
          packets.push(packet(0x30, Buffer.concat([topicBytes, payload])))
        } else {
          const id = Buffer.from([nextId >> 8, nextId & 0xff])
          nextId = nextId === 65535 ? 1 : nextId + 1
          packets.push(packet(0x32, Buffer.concat([topicBytes, id, payload])))
        }
      }
      return new Promise<void>((resolve, reject) => {
        socket.write(Buffer.concat(packets), (err) => {
          if (err) reject(err)
          else resolve()
        })
      })
    },
    close() {
      socket.destroy()
    },
  }
}
