/**
 * @module limits/connection-gate
 * Who gets a connection slot (issue 11, item 7). Sockets that have not logged in yet are *pending*; they
 * are the cheap ones for an attacker (1 100 idle sockets that never sent CONNECT used to hold every slot
 * for Aedes' 30 s connect timeout). The gate therefore
 * - caps pending sockets per remote address (`maxPendingPerAddress`), refusing the excess at once;
 * - when every slot is taken, closes the *oldest pending* socket to make room for the new one, rather
 *   than refusing it: a real client sends CONNECT within milliseconds of opening its socket, so it is
 *   never the oldest pending one for long, while clients that logged in are never displaced. Only when
 *   no socket is pending is the newcomer refused.
 * Together with a short CONNECT deadline (Aedes' `connectTimeout`) this is what Mosquitto
 * (`max_connections`) and EMQX (`max_connections`, `idle_timeout`, per-listener `max_conn_rate`) offer,
 * made to hold under a flood from one address.
 */

/** Options of {@link createConnectionGate}. */
export interface ConnectionGateOptions<T> {
  readonly maxConnections: number
  readonly maxPendingPerAddress: number
  /** Closes a pending connection to make room. */
  readonly evict: (connection: T) => void
}

/** The outcome of {@link ConnectionGate.admit}. */
export type Admission =
  | { readonly admitted: true; readonly evicted: number }
  | { readonly admitted: false; readonly reason: 'limit' | 'address' }

/** A connection gate. */
export interface ConnectionGate<T> {
  /** Admits a new connection from `address`, evicting the oldest pending one if all slots are taken. */
  admit(connection: T, address: string): Admission
  /** The connection logged in: it is no longer pending, and never evicted. */
  loggedIn(connection: T): void
  /** The connection closed. */
  closed(connection: T): void
  readonly open: number
  readonly pending: number
}

/**
 * Creates a connection gate.
 *
 * @example
 * ```ts
 * const gate = createConnectionGate({ maxConnections: 1024, maxPendingPerAddress: 64, evict: (s) => s.destroy() })
 * if (!gate.admit(socket, socket.remoteAddress ?? '').admitted) socket.destroy()
 * ```
 */
export function createConnectionGate<T>(options: ConnectionGateOptions<T>): ConnectionGate<T> {
  const open = new Set<T>()
  // pending connections, oldest first, with their address
  const pending = new Map<T, string>()
  const pendingByAddress = new Map<string, number>()

  function unpend(connection: T): void {
    const address = pending.get(connection)
    if (address === undefined) return
    pending.delete(connection)
    const n = (pendingByAddress.get(address) ?? 1) - 1
    if (n <= 0) pendingByAddress.delete(address)
    else pendingByAddress.set(address, n)
  }

  function close(connection: T): void {
    unpend(connection)
    open.delete(connection)
  }

  return {
    admit(connection, address) {
      if ((pendingByAddress.get(address) ?? 0) >= options.maxPendingPerAddress) {
        return { admitted: false, reason: 'address' }
      }
      let evicted = 0
      while (open.size >= options.maxConnections) {
        const oldest = pending.keys().next()
        if (oldest.done === true) return { admitted: false, reason: 'limit' }
        close(oldest.value)
        options.evict(oldest.value)
        evicted++
      }
      open.add(connection)
      pending.set(connection, address)
      pendingByAddress.set(address, (pendingByAddress.get(address) ?? 0) + 1)
      return { admitted: true, evicted }
    },
    loggedIn: unpend,
    closed: close,
    get open() {
      return open.size
    },
    get pending() {
      return pending.size
    },
  }
}
