/**
 * @module listen-refusal
 * What a failed `listen` means, in words, said the same way wherever Sluice listens: the broker's
 * listeners, the dashboard's HTTP server, and `sluice up`'s check of every port before it starts anything.
 */

/** The reason a system error gives for not listening; uncommon errors keep the system's message. */
export function listenRefusalReason(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'EADDRINUSE':
      return 'address already in use'
    case 'EACCES':
      return 'permission denied (ports below 1024 need privileges)'
    case 'EADDRNOTAVAIL':
      return 'not an address of this machine'
    default:
      return err.message
  }
}
