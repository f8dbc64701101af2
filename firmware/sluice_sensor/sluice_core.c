/*
 * sluice_core.c - the Sluice sensor sketch logic.
 *
 * Speaks the line protocol of DESIGN.md section 10 (libs/contract/src/line-protocol.ts is the reference):
 *   boot:     "# sluice-fw <version> rate=<hz> channels=light,temp source=<adc|synthetic>"
 *   sample:   "<seq>,<light>[,<temp>]*XX"   XX = XOR of every byte before '*', two upper-case hex digits
 *   command:  "R<hz>"  ->  "OK R<hz>", or "ERR R<text> out of range (1-<max>)" / "ERR unknown command"
 * Lines end with "\n"; commands may end with "\r\n". Samples are scheduled on the microsecond clock so the
 * rate does not drift with the time spent printing; after a stall the due samples go out back to back, up
 * to SLUICE_MAX_LAG_US behind, beyond which the schedule restarts from now.
 */
#include "sluice_core.h"

#include "sluice_config.h"
#include "sluice_hal.h"
#include "sluice_synth.h"

#if SLUICE_TEMP_CHANNEL
#define SLUICE_CHANNELS "light,temp"
#else
#define SLUICE_CHANNELS "light"
#endif

#if SLUICE_SYNTHETIC
#define SLUICE_SOURCE "synthetic"
#else
#define SLUICE_SOURCE "adc"
#endif

#define CMD_MAX 15

static uint32_t seq;
static uint16_t rate_hz;
static uint32_t period_us;
static uint32_t next_due_us;
static char cmd[CMD_MAX + 1];
static uint8_t cmd_len;
static uint8_t cmd_overflow;

/* Writes the decimal digits of `v` at `p`; returns the position after them. */
static char *put_u32(char *p, uint32_t v) {
  char tmp[10];
  uint8_t n = 0;
  do {
    tmp[n++] = (char)('0' + (uint8_t)(v % 10u));
    v /= 10u;
  } while (v != 0u);
  while (n > 0u) *p++ = tmp[--n];
  return p;
}

/* Writes tenths as a decimal number with one fractional digit ("-3.5", "21.0"). */
static char *put_tenths(char *p, int16_t tenths) {
  uint16_t mag;
  if (tenths < 0) {
    *p++ = '-';
    mag = (uint16_t)(-(int32_t)tenths);
  } else {
    mag = (uint16_t)tenths;
  }
  p = put_u32(p, mag / 10u);
  *p++ = '.';
  *p++ = (char)('0' + (uint8_t)(mag % 10u));
  return p;
}

static char *put_str(char *p, const char *s) {
  while (*s != '\0') *p++ = *s++;
  return p;
}

static void send(char *start, char *end) {
  *end++ = '\n';
  hal_serial_write(start, (uint8_t)(end - start));
}

static void set_rate(uint16_t hz) {
  rate_hz = hz;
  period_us = 1000000UL / hz;
  next_due_us = hal_micros() + period_us;
}

static void announce(void) {
  char line[96];
  char *p = put_str(line, "# sluice-fw " SLUICE_FW_VERSION " rate=");
  p = put_u32(p, rate_hz);
  p = put_str(p, " channels=" SLUICE_CHANNELS " source=" SLUICE_SOURCE);
  send(line, p);
}

static uint16_t read_light(uint32_t n) {
#if SLUICE_SYNTHETIC
  return synth_light(n);
#else
  (void)n;
  return hal_adc_read(SLUICE_LIGHT_PIN);
#endif
}

#if SLUICE_TEMP_CHANNEL
static int16_t read_temp_tenths(uint32_t n) {
#if SLUICE_SYNTHETIC
  return synth_temp_tenths(n);
#else
  /* TMP36: 10 mV per degree C with a 500 mV offset, so tenths of a degree = millivolts - 500. */
  uint32_t mv = ((uint32_t)hal_adc_read(SLUICE_TEMP_PIN) * SLUICE_VREF_MV) / 1024UL;
  (void)n;
  return (int16_t)((int32_t)mv - 500);
#endif
}
#endif

static void emit_sample(void) {
  char line[40];
  char *p = put_u32(line, seq);
  *p++ = ',';
  p = put_u32(p, read_light(seq));
#if SLUICE_TEMP_CHANNEL
  *p++ = ',';
  p = put_tenths(p, read_temp_tenths(seq));
#endif
#if SLUICE_CHECKSUM
  {
    static const char hex[] = "0123456789ABCDEF";
    uint8_t x = 0;
    const char *q;
    for (q = line; q < p; q++) x ^= (uint8_t)*q;
    *p++ = '*';
    *p++ = hex[x >> 4];
    *p++ = hex[x & 15u];
  }
#endif
  send(line, p);
  seq++;
}

/* Acts on one complete command line held in cmd[0..cmd_len). */
static void run_command(void) {
  char line[48];
  char *p;
  if (cmd_len == 0u) return;
  if (cmd[0] == 'R') {
    uint32_t hz = 0;
    uint8_t i;
    uint8_t ok = cmd_len > 1u && cmd_len <= 6u;
    for (i = 1; ok && i < cmd_len; i++) {
      if (cmd[i] < '0' || cmd[i] > '9') ok = 0;
      else hz = hz * 10u + (uint32_t)(cmd[i] - '0');
    }
    if (ok && hz >= 1u && hz <= SLUICE_MAX_RATE_HZ) {
      set_rate((uint16_t)hz);
      p = put_str(line, "OK R");
      p = put_u32(p, rate_hz);
      send(line, p);
      return;
    }
    p = put_str(line, "ERR ");
    for (i = 0; i < cmd_len; i++) *p++ = cmd[i];
    p = put_str(p, " out of range (1-");
    p = put_u32(p, SLUICE_MAX_RATE_HZ);
    *p++ = ')';
    send(line, p);
    return;
  }
  p = put_str(line, "ERR unknown command");
  send(line, p);
}

static void poll_commands(void) {
  int16_t b;
  while ((b = hal_serial_read()) >= 0) {
    char ch = (char)b;
    if (ch == '\n') {
      if (cmd_overflow) {
        char line[24];
        send(line, put_str(line, "ERR command too long"));
      } else {
        run_command();
      }
      cmd_len = 0;
      cmd_overflow = 0;
    } else if (ch == '\r') {
      /* tolerate CRLF from terminals */
    } else if (cmd_len < CMD_MAX) {
      cmd[cmd_len++] = ch;
    } else {
      cmd_overflow = 1;
    }
  }
}

void sluice_setup(void) {
  hal_init(SLUICE_BAUD);
  seq = 0;
  cmd_len = 0;
  cmd_overflow = 0;
  set_rate(SLUICE_DEFAULT_RATE_HZ);
  announce();
}

void sluice_loop(void) {
  uint32_t now;
  poll_commands();
  now = hal_micros();
  if ((int32_t)(now - next_due_us) >= 0) {
    emit_sample();
    next_due_us += period_us;
    if ((int32_t)(now - next_due_us) > (int32_t)SLUICE_MAX_LAG_US) next_due_us = now + period_us;
  } else {
    hal_idle();
  }
}
