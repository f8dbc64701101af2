/**
 * @module tls
 * A small private certificate authority and one server certificate, made with the `openssl` commands of
 * docs/deploy.md ("Certificates"), so that a test exercises the TLS setup users are told to follow: the
 * CA (`ca.pem`, `ca.key`), and a key and certificate for the server with its names and addresses in
 * `subjectAltName`. Clients trust the CA through `NODE_EXTRA_CA_CERTS`, as the guide says.
 */
import { execFile } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { StartFailedError } from './errors.js'
import { locateProgram } from './launch.js'

/** Options of {@link createPrivateCa}. */
export interface PrivateCaOptions {
  /** The server certificate's common name (default the first DNS name, else the first address). */
  readonly commonName?: string
  /** DNS names for `subjectAltName`. */
  readonly dns?: readonly string[]
  /** IP addresses for `subjectAltName`. */
  readonly ips?: readonly string[]
  /** Path of openssl (default: found by `findProgram`). */
  readonly openssl?: string
}

/** The files made, all in the given directory. */
export interface PrivateCa {
  /** The CA certificate: what clients trust (`NODE_EXTRA_CA_CERTS`, `--cafile`). */
  readonly ca: string
  /** The CA's private key. */
  readonly caKey: string
  /** The server's certificate, signed by the CA. */
  readonly cert: string
  /** The server's private key. */
  readonly key: string
}

function openssl(path: string, args: readonly string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(path, [...args], { cwd, timeout: 30_000 }, (err, _stdout, stderr) => {
      if (err === null) resolve()
      else
        reject(
          new StartFailedError(
            `openssl ${args.join(' ')} failed: ${stderr.trim() || err.message}`,
            {
              cause: err,
            },
          ),
        )
    })
  })
}

/**
 * Makes a CA and a server certificate in `dir`, with the guide's commands (RSA 2048, SHA-256).
 *
 * @example
 * ```ts
 * const tls = await createPrivateCa(dir.path, { dns: ['sluice-pi.local'], ips: ['10.1.2.1'] })
 * // broker: --tls-key tls.key --tls-cert tls.cert; clients: NODE_EXTRA_CA_CERTS=tls.ca
 * ```
 */
export async function createPrivateCa(dir: string, options: PrivateCaOptions): Promise<PrivateCa> {
  const program = locateProgram('openssl', options.openssl)
  if (!('path' in program)) throw new StartFailedError('openssl must be installed on this machine')
  const dns = options.dns ?? []
  const ips = options.ips ?? []
  const cn = options.commonName ?? dns[0] ?? ips[0]
  if (cn === undefined) throw new StartFailedError('createPrivateCa needs a DNS name or an address')
  const run = (args: readonly string[]) => openssl(program.path, args, dir)
  await run([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '3650',
    '-subj',
    '/CN=Sluice CA',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
  ])
  await run([
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    `/CN=${cn}`,
    '-keyout',
    'key.pem',
    '-out',
    'server.csr',
  ])
  const san = [...dns.map((d) => `DNS:${d}`), ...ips.map((a) => `IP:${a}`)].join(',')
  await writeFile(join(dir, 'san.ext'), `subjectAltName=${san}\n`)
  await run([
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '825',
    '-extfile',
    'san.ext',
    '-out',
    'cert.pem',
  ])
  return {
    ca: join(dir, 'ca.pem'),
    caKey: join(dir, 'ca.key'),
    cert: join(dir, 'cert.pem'),
    key: join(dir, 'key.pem'),
  }
}
