/**
 * @module lab/uart
 * What a UART does to bytes, for the serial experiment: each byte is a frame of 10 bits on the wire
 * (a start bit 0, 8 data bits least significant first, a stop bit 1; "8N1"), so a link carries baud / 10
 * bytes per second, and a receiver set to another baud rate samples the same waveform at the wrong times
 * and reads other bytes: a baud mismatch, as it looks. Pure: bytes in, bytes out.
 */

/** Bits per 8N1 frame. */
export const BITS_PER_BYTE = 10

/**
 * The bytes a receiver at `rxBaud` reads from bytes sent back to back at `txBaud`. It waits for a falling
 * edge (the start bit), samples each data bit in the middle of where it expects it, checks the stop bit,
 * and looks for the next start bit from there, as a UART does (the idle line is 1). A frame whose stop bit
 * is 0 (a framing error) is still delivered, as Linux's tty layer does by default.
 *
 * @example
 * ```ts
 * receiveAtBaud(Buffer.from('12,34\n'), 9600, 9600) // the same bytes
 * receiveAtBaud(Buffer.from('12,34\n'), 115200, 9600) // a byte or two of garbage
 * ```
 */
export function receiveAtBaud(bytes: Uint8Array, txBaud: number, rxBaud: number): Uint8Array {
  const tx = 1 / txBaud
  const rx = 1 / rxBaud
  const totalBits = bytes.length * BITS_PER_BYTE
  const level = (t: number): number => {
    const bit = Math.floor(t / tx)
    if (bit < 0 || bit >= totalBits) return 1
    const inFrame = bit % BITS_PER_BYTE
    if (inFrame === 0) return 0
    if (inFrame === 9) return 1
    return (bytes[Math.floor(bit / BITS_PER_BYTE)]! >> (inFrame - 1)) & 1
  }
  const end = totalBits * tx
  const step = Math.min(tx, rx) / 8
  const out: number[] = []
  let t = 0
  let previous = 1
  while (t < end) {
    const now = level(t)
    if (previous === 1 && now === 0) {
      // A start bit: sample the data bits in the middle of each receiver bit time.
      let byte = 0
      for (let i = 0; i < 8; i++) byte |= level(t + (1.5 + i) * rx) << i
      out.push(byte)
      // After the middle of the stop bit the receiver looks for the next falling edge.
      t += 9.5 * rx
      previous = level(t)
      continue
    }
    previous = now
    t += step
  }
  return Uint8Array.from(out)
}

/** A line as it looks in a terminal: printable ASCII kept, other bytes as `\xNN`. */
export function showBytes(bytes: Uint8Array): string {
  let s = ''
  for (const b of bytes)
    s += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`
  return s
}
