import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { requireProgram } from '@sluice/testkit'
import { afterAll, describe, expect, it } from 'vitest'
import { firmwareSourceDirs, syntheticLight, syntheticTempTenths } from '../src/internal.js'

const run = promisify(execFile)
// The C synthetic sensor compiles on the host too (PROGMEM is AVR-only), so it can be checked against its
// TypeScript twin over many more samples than the emulator prints in a test.
const gcc = requireProgram('gcc', ['/usr/bin/gcc', '/usr/bin/cc'])

const DRIVER = `#include <stdio.h>
#include <stdlib.h>
#include "sluice_synth.h"
int main(int argc, char **argv) {
  for (int i = 1; i + 1 < argc; i += 2) {
    unsigned long from = strtoul(argv[i], 0, 10), n = strtoul(argv[i + 1], 0, 10);
    for (unsigned long k = 0; k < n; k++) {
      uint32_t seq = (uint32_t)(from + k);
      printf("%lu %u %d\\n", (unsigned long)seq, (unsigned)synth_light(seq), (int)synth_temp_tenths(seq));
    }
  }
  return 0;
}
`

describe.skipIf(!gcc.available)('synthetic sensor: C and TypeScript agree', () => {
  let dir: string | undefined

  afterAll(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true })
  })

  it('gives the same light and temperature for every sample, across the 32-bit wrap', async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-synth-'))
    const exe = join(dir, 'synth')
    await writeFile(join(dir, 'driver.c'), DRIVER)
    const { sketch } = firmwareSourceDirs
    await run(gcc.path!, [
      '-std=c99',
      '-O1',
      `-I${sketch}`,
      '-o',
      exe,
      join(dir, 'driver.c'),
      join(sketch, 'sluice_synth.c'),
    ])
    const ranges = ['0', '8192', String(2 ** 31 - 512), '1024', String(2 ** 32 - 1024), '1024']
    const { stdout } = await run(exe, ranges, { maxBuffer: 16 * 1024 * 1024 })
    const rows = stdout.trim().split('\n')
    expect(rows).toHaveLength(8192 + 2048)
    const mismatches: string[] = []
    for (const row of rows) {
      const [seq, light, temp] = row.split(' ').map(Number) as [number, number, number]
      if (syntheticLight(seq) !== light || syntheticTempTenths(seq) !== temp) {
        mismatches.push(
          `seq ${seq}: C ${light},${temp} TS ${syntheticLight(seq)},${syntheticTempTenths(seq)}`,
        )
      }
    }
    expect(mismatches.slice(0, 5)).toEqual([])
  })
})
