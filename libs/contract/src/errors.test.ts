import { describe, expect, expectTypeOf, it } from 'vitest'
import { defineError, InvalidIdentifierError, SluiceError } from './errors.js'

const PlainError = defineError('SLUICE_ERR_TEST_PLAIN', { name: 'PlainError' })
type PlainError = InstanceType<typeof PlainError>

const DefaultError = defineError('SLUICE_ERR_TEST_DEFAULT', {
  name: 'DefaultError',
  message: 'it failed the usual way',
  exitCode: 2,
})

const FileError = defineError(['SLUICE_ERR_TEST_FULL', 'SLUICE_ERR_TEST_WRITE'], {
  name: 'FileError',
  build: (file: string, full: boolean, options?: ErrorOptions) => ({
    message: `${file}: ${full ? 'full' : 'not writable'}`,
    code: full ? 'SLUICE_ERR_TEST_FULL' : 'SLUICE_ERR_TEST_WRITE',
    fields: { file },
    options,
  }),
})

describe('defineError', () => {
  it('makes a SluiceError with its name, code and message, and keeps the cause', () => {
    const cause = new Error('ECONNREFUSED')
    const err: PlainError = new PlainError('the broker is down', { cause })
    expect(err).toBeInstanceOf(PlainError)
    expect(err).toBeInstanceOf(SluiceError)
    expect(err).toBeInstanceOf(Error)
    expect(err).toMatchObject({ name: 'PlainError', code: 'SLUICE_ERR_TEST_PLAIN' })
    expect(err.message).toBe('the broker is down')
    expect(err.cause).toBe(cause)
    expect(String(err)).toBe('PlainError: the broker is down')
    expect(PlainError.name).toBe('PlainError')
    expect(PlainError.code).toBe('SLUICE_ERR_TEST_PLAIN')
    expectTypeOf(err.code).toEqualTypeOf<'SLUICE_ERR_TEST_PLAIN'>()
  })

  it('sets no cause and no exit code when none is given', () => {
    const err = new PlainError('x')
    expect('cause' in err).toBe(false)
    expect('exitCode' in err).toBe(false)
  })

  it('uses the default message and sets the exit code', () => {
    const err = new DefaultError()
    expect(err.message).toBe('it failed the usual way')
    expect(err.exitCode).toBe(2)
    expect(new DefaultError('said otherwise').message).toBe('said otherwise')
  })

  it('builds the message, fields and code from the arguments', () => {
    const full = new FileError('/var/spool', true)
    expect(full).toMatchObject({
      name: 'FileError',
      code: 'SLUICE_ERR_TEST_FULL',
      file: '/var/spool',
    })
    expect(full.message).toBe('/var/spool: full')
    expect(new FileError('/var/spool', false).code).toBe('SLUICE_ERR_TEST_WRITE')
    expect(FileError.codes).toEqual(['SLUICE_ERR_TEST_FULL', 'SLUICE_ERR_TEST_WRITE'])
    expectTypeOf(full.file).toEqualTypeOf<string>()
  })

  it('keeps classes apart for instanceof', () => {
    expect(new PlainError('x')).not.toBeInstanceOf(FileError)
    expect(new InvalidIdentifierError('device', 'A', 'bad')).toMatchObject({
      name: 'InvalidIdentifierError',
      code: 'SLUICE_ERR_CONTRACT_INVALID_IDENTIFIER',
      field: 'device',
      value: 'A',
    })
  })
})
