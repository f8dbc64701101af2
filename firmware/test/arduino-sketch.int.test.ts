import { execFile } from 'node:child_process'
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { requireProgram } from '@sluice/testkit'
import { afterAll, describe, expect, it } from 'vitest'
import { firmwareSourceDirs } from '../src/internal.js'

const run = promisify(execFile)
const gxx = requireProgram('avr-g++', ['/usr/bin/avr-g++'])
const gcc = requireProgram('avr-gcc', ['/usr/bin/avr-gcc'])
const stub = fileURLToPath(new URL('./fixtures/arduino-stub/', import.meta.url))

// The flags arduino-cli passes for an Uno (ArduinoCore-avr platform.txt), minus LTO.
const common = [
  '-mmcu=atmega328p',
  '-DF_CPU=16000000L',
  '-DARDUINO=10819',
  '-DARDUINO_AVR_UNO',
  '-DARDUINO_ARCH_AVR',
  '-Os',
  '-Wall',
  '-Wextra',
  '-Werror',
]

describe.skipIf(!gxx.available || !gcc.available)(
  'the sketch folder as the Arduino IDE builds it',
  () => {
    let dir: string | undefined
    afterAll(async () => {
      if (dir !== undefined) await rm(dir, { recursive: true, force: true })
    })

    it('compiles every .ino, .c and .cpp in sluice_sensor/ against the Arduino API and links', async () => {
      dir = await mkdtemp(join(tmpdir(), 'sluice-ino-'))
      const { sketch } = firmwareSourceDirs
      const files = (await readdir(sketch)).filter((f) => /\.(ino|c|cpp)$/.test(f)).sort()
      expect(files).toEqual([
        'hal_arduino.cpp',
        'sluice_core.c',
        'sluice_sensor.ino',
        'sluice_synth.c',
      ])
      const include = [`-I${stub}`, `-I${sketch}`]
      const objects: string[] = []
      for (const f of [...files, 'Arduino.cpp']) {
        let src = f === 'Arduino.cpp' ? join(stub, f) : join(sketch, f)
        if (f.endsWith('.ino')) {
          // The IDE's preprocessing: prepend the core header, keep line numbers (arduino-builder).
          src = join(dir, `${f}.cpp`)
          const ino = await readFile(join(sketch, f), 'utf8')
          await writeFile(src, `#include <Arduino.h>\n#line 1 "${f}"\n${ino}`)
        }
        const obj = join(dir, `${f}.o`)
        const cxx = !f.endsWith('.c')
        await run(cxx ? gxx.path! : gcc.path!, [
          ...common,
          cxx ? '-std=gnu++11' : '-std=gnu11',
          ...include,
          '-c',
          src,
          '-o',
          obj,
        ])
        objects.push(obj)
      }
      const elf = join(dir, 'sketch.elf')
      await run(gxx.path!, ['-mmcu=atmega328p', '-Os', '-o', elf, ...objects])
      expect((await readFile(elf)).subarray(0, 4).toString('latin1')).toBe('\x7fELF')
    })
  },
)
