/// <reference lib="dom" />
/**
 * @module browser/rate-control
 * The rate control: pick a device, type a rate, and the server publishes `{p}/{device}/_ctl/rate`
 * `{"hz": N}` (DESIGN.md §3), which the serial bridge turns into `R<hz>` for the firmware. The answer (or
 * the reason it was refused) shows beside the button.
 */
import type { RateRequestBody } from '../protocol.js'
import type { SensorStore } from './sensor-store.js'

/** The rate control. */
export interface RateControl {
  /** Refreshes the device list. */
  render(): void
}

/** Wires the control's elements. */
export function createRateControl(o: {
  readonly device: HTMLSelectElement
  readonly hz: HTMLInputElement
  readonly apply: HTMLButtonElement
  readonly result: HTMLElement
  readonly store: SensorStore
}): RateControl {
  let known = ''
  o.apply.addEventListener('click', () => {
    const body: RateRequestBody = { device: o.device.value, hz: Number(o.hz.value) }
    o.result.textContent = '…'
    fetch('api/rate', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
      .then(async (res) => {
        const answer = (await res.json()) as { error?: string; topic?: string }
        o.result.textContent = res.ok
          ? `sent {"hz": ${body.hz}} to ${answer.topic ?? '?'}`
          : `refused: ${answer.error ?? res.statusText}`
        o.result.dataset.ok = String(res.ok)
      })
      .catch((err: unknown) => {
        o.result.textContent = `failed: ${String(err)}`
        o.result.dataset.ok = 'false'
      })
  })
  return {
    render() {
      const devices = o.store.devices()
      const list = devices.join(',')
      if (list === known) return
      known = list
      const keep = o.device.value
      o.device.replaceChildren(
        ...devices.map((d) => {
          const opt = document.createElement('option')
          opt.value = opt.textContent = d
          return opt
        }),
      )
      if (devices.includes(keep)) o.device.value = keep
    },
  }
}
