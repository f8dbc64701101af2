/*
 * hal_avr.c - sluice_hal.h on bare ATmega328P registers, for the plain avr-gcc + avr-libc build.
 *
 * - USART0, 8N1, double speed (U2X0): UBRR0 = F_CPU / (8 * baud) - 1, rounded, which is 16 at 16 MHz for
 *   115200 baud (2.1 % error, as the Arduino core does; ATmega328P datasheet, section 20.3.1 and Table
 *   20-6). Reception is interrupt-driven into a ring buffer, so a command arriving while the sketch prints
 *   a line (about 1.7 ms at 115200 baud) does not overrun the two-byte receive FIFO.
 * - Time base: Timer1 free-running in normal mode with prescaler 1024 (64 us per count at 16 MHz, overflow
 *   every 4.19 s), polled, no interrupt. hal_micros() extends the 16-bit count to 32 bits from the
 *   difference since its previous call, which only needs a call at least every 4 s. Polling rather than a
 *   1 ms tick interrupt because of qemu-system-avr (7.2), which the tests run:
 *     - under -icount, any access to a timer register aborts QEMU with "Bad icount read", and -icount
 *       align=on ran the guest at 1/2 to 1/8 of real time on a loaded host anyway;
 *     - without -icount, Timer1 follows the host clock, but a starved emulator coalesces 1 ms compare
 *       interrupts and loses ticks (rates came out 30-70 % low), whereas a polled counter stays exact;
 *     - Timer1 rather than Timer0 (Arduino's choice) because QEMU models the 16-bit timers only.
 * - ADC against AVcc, prescaler 128 (125 kHz at 16 MHz, inside the 50-200 kHz the datasheet asks for
 *   10-bit accuracy, section 24.4).
 * - No `sleep`: a USB-powered board does not need it, and in QEMU the `sleep` instruction never returns to
 *   the main loop.
 */
#include <avr/interrupt.h>
#include <avr/io.h>

#include "../sluice_sensor/sluice_hal.h"

#ifndef F_CPU
#error "F_CPU must be defined, e.g. -DF_CPU=16000000UL"
#endif

/* Microseconds per Timer1 count at prescaler 1024: 64 at 16 MHz, 128 at 8 MHz. */
#define TIMER1_US_PER_COUNT (1024UL * 1000000UL / F_CPU)

#define RX_SIZE 32u /* power of two */

static uint32_t clock_counts;
static uint16_t last_tcnt;
static volatile uint8_t rx_buf[RX_SIZE];
static volatile uint8_t rx_head;
static volatile uint8_t rx_tail;

ISR(USART_RX_vect) {
  uint8_t b = UDR0;
  uint8_t next = (uint8_t)((rx_head + 1u) & (RX_SIZE - 1u));
  if (next != rx_tail) { /* when full, drop the byte: the command parser rejects the mangled line */
    rx_buf[rx_head] = b;
    rx_head = next;
  }
}

void hal_init(uint32_t baud) {
  uint16_t ubrr = (uint16_t)(((F_CPU + 4UL * baud) / (8UL * baud)) - 1UL);
  cli();
  UBRR0H = (uint8_t)(ubrr >> 8);
  UBRR0L = (uint8_t)ubrr;
  UCSR0A = _BV(U2X0);
  UCSR0C = _BV(UCSZ01) | _BV(UCSZ00);
  UCSR0B = _BV(RXEN0) | _BV(TXEN0) | _BV(RXCIE0);

  TIMSK1 = 0;
  TCCR1A = 0;
  TCCR1B = _BV(CS12) | _BV(CS10); /* normal mode, clk/1024 */
  TCNT1 = 0;
  last_tcnt = 0;
  clock_counts = 0;

  ADMUX = _BV(REFS0);
  ADCSRA = _BV(ADEN) | _BV(ADPS2) | _BV(ADPS1) | _BV(ADPS0);
  sei();
}

uint32_t hal_micros(void) {
  /* No interrupt touches Timer1, so the compiler's TCNT1L-then-TCNT1H read is atomic (datasheet 15.3). */
  uint16_t now = TCNT1;
  clock_counts += (uint16_t)(now - last_tcnt);
  last_tcnt = now;
  return clock_counts * TIMER1_US_PER_COUNT;
}

int16_t hal_serial_read(void) {
  uint8_t b;
  if (rx_head == rx_tail) return -1;
  b = rx_buf[rx_tail];
  rx_tail = (uint8_t)((rx_tail + 1u) & (RX_SIZE - 1u));
  return (int16_t)b;
}

void hal_serial_write(const char *buf, uint8_t len) {
  while (len-- > 0u) {
    while (!(UCSR0A & _BV(UDRE0))) {
    }
    UDR0 = (uint8_t)*buf++;
  }
}

uint16_t hal_adc_read(uint8_t channel) {
  ADMUX = (uint8_t)(_BV(REFS0) | (channel & 7u));
  ADCSRA |= _BV(ADSC);
  while (ADCSRA & _BV(ADSC)) {
  }
  return ADC;
}

void hal_idle(void) {
  /* Nothing to wait for: see the note on `sleep` above. */
}
