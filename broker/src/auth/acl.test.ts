import { describe, expect, it } from 'vitest'
import {
  checkClientId,
  createPublishCheck,
  createSubscribeCheck,
  filtersOverlap,
  identityFromClientId,
  identityOfUser,
  publishFilters,
} from './acl.js'

describe('publish ACL', () => {
  const check = (clientId: string, role = 'operator') =>
    createPublishCheck(identityFromClientId(clientId, role), 'sluice')

  it('lets the serial bridge publish raw samples and its own _sys topics only', () => {
    const may = check('sluice-serial-bridge-pi1')
    expect(may('sluice/dev1/temp/raw')).toBe(true)
    expect(may('sluice/_sys/serial-bridge/pi1/status')).toBe(true)
    expect(may('sluice/_sys/serial-bridge/pi2/status')).toBe(false)
    expect(may('sluice/dev1/temp/anomaly')).toBe(false)
    expect(may('other/dev1/temp/raw')).toBe(false)
  })

  it('gives windowing, anomaly and forwarder their own topics', () => {
    expect(check('sluice-windowing-w1')('sluice/d/c/window/w5s')).toBe(true)
    expect(check('sluice-windowing-w1')('sluice/d/c/raw')).toBe(false)
    expect(check('sluice-anomaly-a1')('sluice/d/c/anomaly')).toBe(true)
    expect(check('sluice-forwarder-f1')('sluice/d/c/anomaly')).toBe(false)
    expect(check('sluice-forwarder-f1')('sluice/_sys/forwarder/f1/metrics')).toBe(true)
  })

  it('lets the dashboard and operators send rate commands', () => {
    expect(check('sluice-dashboard-d1')('sluice/dev1/_ctl/rate')).toBe(true)
    expect(check('mosquitto_pub-123')('sluice/dev1/_ctl/rate')).toBe(true)
    expect(check('mosquitto_pub-123')('sluice/dev1/temp/raw')).toBe(false)
  })

  it('builds the filters with the prefix, and an anonymous client gets every instance of its role', () => {
    expect(
      publishFilters({ role: 'serial-bridge', instance: 'pi1', via: 'client-id' }, 'site/sluice'),
    ).toEqual(['site/sluice/+/+/raw', 'site/sluice/_sys/serial-bridge/pi1/#'])
    const anonymous = identityFromClientId('mosquitto_pub-1', 'operator')
    expect(publishFilters(anonymous, 'sluice')).toEqual([
      'sluice/+/_ctl/rate',
      'sluice/_sys/operator/+/#',
    ])
  })

  it('uses the fallback role for client ids that name no service', () => {
    expect(identityFromClientId('sluice-nosuch-x', 'operator')).toEqual({
      role: 'operator',
      instance: '+',
      via: 'anonymous',
    })
    expect(check('anything', 'admin')('sluice/dev1/temp/raw')).toBe(true)
  })
})

describe('filtersOverlap', () => {
  it('finds a topic both filters match, and none across the $ rule [MQTT-4.7.2-1]', () => {
    expect(filtersOverlap('$SYS/#', '$SYS/#')).toBe(true)
    expect(filtersOverlap('$SYS/+/new/clients', '$SYS/#')).toBe(true)
    expect(filtersOverlap('#', '$SYS/#')).toBe(false)
    expect(filtersOverlap('+/+/new/clients', '$SYS/#')).toBe(false)
    expect(filtersOverlap('sluice/#', '$SYS/#')).toBe(false)
    expect(filtersOverlap('a/+/c', 'a/b/+')).toBe(true)
    expect(filtersOverlap('a/b', 'a/b/c')).toBe(false)
    expect(filtersOverlap('a/#', 'a')).toBe(true)
  })
})

describe('read ACL', () => {
  it('closes $SYS to every role but admin, and leaves the mesh open', () => {
    const dashboard = createSubscribeCheck({ role: 'dashboard', instance: 'd1', via: 'password' })
    expect(dashboard('#')).toBe(true)
    expect(dashboard('sluice/_sys/+/+/metrics')).toBe(true)
    expect(dashboard('$SYS/#')).toBe(false)
    expect(dashboard('$SYS/abc/new/subscribes')).toBe(false)
    const admin = createSubscribeCheck({ role: 'admin', instance: undefined, via: 'password' })
    expect(admin('$SYS/#')).toBe(true)
  })
})

describe('service client ids', () => {
  const user = (role: string, instance?: string) => ({ kind: 'user', role, instance }) as const

  it('binds them to a credential of that role, and to its instance when it names one', () => {
    expect(checkClientId('sluice-windowing-laptop', user('windowing'))).toBeUndefined()
    expect(checkClientId('sluice-windowing-laptop', user('windowing', 'laptop'))).toBeUndefined()
    expect(checkClientId('sluice-windowing-laptop', user('windowing', 'pi'))).toMatch(/instance pi/)
    expect(checkClientId('sluice-windowing-laptop', user('anomaly'))).toMatch(/role windowing/)
    expect(checkClientId('sluice-windowing-laptop', user('admin'))).toMatch(/role windowing/)
    expect(checkClientId('my-tool', user('operator'))).toBeUndefined()
  })

  it('leaves them to anonymous clients only while no user is configured', () => {
    const anon = (usersConfigured: boolean) => ({ kind: 'anonymous', usersConfigured }) as const
    expect(checkClientId('sluice-anomaly-a1', anon(false))).toBeUndefined()
    expect(checkClientId('sluice-anomaly-a1', anon(true))).toMatch(/reserved/)
    expect(checkClientId('mosquitto_sub-7', anon(true))).toBeUndefined()
  })

  it("gives a password user the credential's instance, else its client id's, else none", () => {
    expect(
      identityOfUser('sluice-windowing-laptop', { user: 'w', role: 'windowing' }).instance,
    ).toBe('laptop')
    expect(identityOfUser('tool', { user: 'w', role: 'windowing', instance: 'pi' }).instance).toBe(
      'pi',
    )
    const none = identityOfUser('tool', { user: 'w', role: 'windowing' })
    expect(none.instance).toBeUndefined()
    const may = createPublishCheck(none, 'sluice')
    expect(may('sluice/d/c/window/w5s')).toBe(true)
    expect(may('sluice/_sys/windowing/laptop/status')).toBe(false)
  })
})

describe('device role', () => {
  const device = (user: string | undefined) =>
    createPublishCheck(
      { role: 'device', instance: '+', via: 'password', ...(user === undefined ? {} : { user }) },
      'sluice',
    )

  it("lets a device user publish only its own device's raw topics", () => {
    const may = device('esp32-1')
    expect(may('sluice/esp32-1/temp/raw')).toBe(true)
    expect(may('sluice/esp32-1/raw')).toBe(true)
    expect(may('sluice/esp32-2/temp/raw')).toBe(false)
    expect(may('sluice/esp32-2/raw')).toBe(false)
    expect(may('sluice/esp32-1/temp/anomaly')).toBe(false)
    expect(may('sluice/esp32-1/_ctl/rate')).toBe(false)
  })

  it('lets a device user read only its own rate commands', () => {
    const read = createSubscribeCheck(
      { role: 'device', instance: '+', via: 'password', user: 'esp32-1' },
      'sluice',
    )
    expect(read('sluice/esp32-1/_ctl/rate')).toBe(true)
    expect(read('sluice/esp32-2/_ctl/rate')).toBe(false)
    expect(read('sluice/+/_ctl/rate')).toBe(false)
    expect(read('sluice/esp32-1/#')).toBe(false)
    expect(read('#')).toBe(false)
    expect(read('$SYS/#')).toBe(false)
    const nameless = createSubscribeCheck({ role: 'device', instance: '+', via: 'password' })
    expect(nameless('sluice/esp32-1/_ctl/rate')).toBe(false)
  })

  it('gives no raw topic to a device role without a user name that is a device id', () => {
    expect(device(undefined)('sluice/esp32-1/temp/raw')).toBe(false)
    expect(device('ESP.32')('sluice/ESP.32/temp/raw')).toBe(false)
    expect(device('ESP.32')('sluice/+/temp/raw')).toBe(false)
  })
})
