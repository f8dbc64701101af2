/**
 * @module test/raw-connect
 * Raw sockets for the connection-flood tests: idle sockets that never send CONNECT, CONNECTs with a user
 * name and password, and a fixed header announcing any length, each from a chosen loopback address
 * (`127.0.0.2`, … are all loopback on Linux), so that one test can play an attacker and a real client.
 */
import { connect, type Socket } from 'node:net'

/** The MQTT variable-length encoding of a remaining length [MQTT-2.2.3]. */
export function encodeRemainingLength(n: number): Buffer {
  const bytes: number[] = []
  do {
    let byte = n % 128
    n = Math.floor(n / 128)
    if (n > 0) byte |= 0x80
    bytes.push(byte)
  } while (n > 0)
  return Buffer.from(bytes)
}

/** A UTF-8 string with its 2-byte length prefix [MQTT-1.5.3]. */
export function str(s: string): Buffer {
  const b = Buffer.from(s, 'utf8')
  const len = Buffer.alloc(2)
  len.writeUInt16BE(b.length)
  return Buffer.concat([len, b])
}

/** Opens a TCP socket from `localAddress` and resolves once connected; it sends nothing. */
export function openIdle(port: number, localAddress: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress })
    socket.once('connect', () => {
      socket.off('error', reject)
      socket.on('error', () => undefined)
      resolve(socket)
    })
    socket.once('error', reject)
  })
}

/** Resolves when the socket closes, with the milliseconds it took from now. */
export function closedWithin(socket: Socket): Promise<number> {
  const start = performance.now()
  return new Promise((resolve) => {
    if (socket.destroyed) resolve(0)
    else socket.once('close', () => resolve(performance.now() - start))
  })
}

/** An MQTT 3.1.1 CONNECT packet, with a user name and password when given. */
export function connectPacket(clientId: string, username?: string, password?: string): Buffer {
  const flags = 0x02 | (username === undefined ? 0 : 0x80) | (password === undefined ? 0 : 0x40)
  const body = Buffer.concat([
    str('MQTT'),
    Buffer.from([4, flags, 0, 0]),
    str(clientId),
    ...(username === undefined ? [] : [str(username)]),
    ...(password === undefined ? [] : [str(password)]),
  ])
  return Buffer.concat([Buffer.from([0x10]), encodeRemainingLength(body.length), body])
}

/**
 * Sends one CONNECT from `localAddress` and resolves with the CONNACK return code, or `'closed'` when
 * the broker closed the socket without one.
 */
export async function tryConnect(
  port: number,
  localAddress: string,
  clientId: string,
  username?: string,
  password?: string,
): Promise<number | 'closed'> {
  const socket = await openIdle(port, localAddress)
  return new Promise((resolve) => {
    socket.once('data', (chunk: Buffer) => {
      socket.destroy()
      resolve(chunk[0] === 0x20 ? chunk[3]! : 'closed')
    })
    socket.once('close', () => resolve('closed'))
    socket.write(connectPacket(clientId, username, password))
  })
}
