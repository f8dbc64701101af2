/**
 * @module sinks/http-post
 * One HTTP POST with a timeout, turning every outcome into success or a {@link SinkSendError} that says
 * whether retrying can help and when (`Retry-After`). Shared by the InfluxDB and webhook sinks.
 */
import { parseRetryAfter } from '@sluice/stream'
import { retryableStatus, SinkSendError } from './sink.js'

/** POSTs `body`; resolves on 2xx. */
export async function postWithRetryInfo(
  url: string,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  let res: Response
  try {
    res = await fetch(url, {
      method: 'POST',
      body,
      headers,
      signal: AbortSignal.timeout(timeoutMs),
    })
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name
    throw new SinkSendError(`${what} is unreachable (${cause})`, true, undefined, undefined, {
      cause: err,
    })
  }
  if (res.ok) {
    await res.body?.cancel()
    return
  }
  const text = (await res.text().catch(() => '')).slice(0, 300).trim()
  const retryAfter = parseRetryAfter(res.headers.get('retry-after'), Date.now())
  const hint =
    res.status === 401 || res.status === 403
      ? ': the credentials were refused — check the username/password or token'
      : res.status === 404
        ? ': not found — check the URL, the database or bucket name'
        : ''
  throw new SinkSendError(
    `${what} answered ${res.status} ${res.statusText}${hint}${text ? ` (${text})` : ''}`,
    retryableStatus(res.status),
    retryAfter,
    res.status,
  )
}
