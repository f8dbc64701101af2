// Sluice: an ESP32 publishing straight to MQTT (docs/devices.md), with Arduino and PubSubClient.
//
// Every period it publishes two channels as named fields with a sequence number on the device topic
//   sluice/<DEVICE_ID>/raw   {"seq": 42, "temperature": 21.5, "humidity": 40.1}
// (t and ingest are stamped on receipt by the mesh), and it follows rate commands on
//   sluice/<DEVICE_ID>/_ctl/rate   {"hz": 2}
// It logs in with a `device` credential whose user name is DEVICE_ID:
//   printf '%s\n' 'a long device password' | pnpm sluice broker passwd /etc/sluice/passwd esp32-1 device
// Libraries: the ESP32 board package and PubSubClient (Nick O'Leary). Set the values below and upload.
#include <WiFi.h>
#include <PubSubClient.h>

static const char *WIFI_SSID = "your-wifi";
static const char *WIFI_PASSWORD = "your-wifi-password";
static const char *BROKER_HOST = "sluice-pi.local";  // the machine running `pnpm sluice broker`
static const uint16_t BROKER_PORT = 1883;            // 8883 with TLS: use WiFiClientSecure instead
static const char *DEVICE_ID = "esp32-1";            // lower-case letters, digits, '_' and '-'
static const char *DEVICE_PASSWORD = "a long device password";

WiFiClient net;
PubSubClient mqtt(net);
char rawTopic[64];
char rateTopic[64];
unsigned long periodMs = 1000;
unsigned long lastSent = 0;
unsigned long seq = 0;  // from 0 at every boot: the mesh counts a restart, and any gap is loss

// {"hz": 2} on our rate topic: sample at that rate (0.1 to 50 Hz here).
void onMessage(char *topic, byte *payload, unsigned int length) {
  if (strcmp(topic, rateTopic) != 0) return;
  char text[64];
  unsigned int n = length < sizeof(text) - 1 ? length : sizeof(text) - 1;
  memcpy(text, payload, n);
  text[n] = '\0';
  const char *hz = strstr(text, "\"hz\"");
  if (hz == nullptr || (hz = strchr(hz, ':')) == nullptr) return;
  float rate = atof(hz + 1);
  if (rate >= 0.1f && rate <= 50.0f) periodMs = (unsigned long)(1000.0f / rate);
}

void connectWifi() {
  WiFi.mode(WIFI_STA);
  WiFi.begin(WIFI_SSID, WIFI_PASSWORD);
  while (WiFi.status() != WL_CONNECTED) delay(250);
}

void connectMqtt() {
  while (!mqtt.connected()) {
    if (mqtt.connect(DEVICE_ID, DEVICE_ID, DEVICE_PASSWORD)) {
      mqtt.subscribe(rateTopic);
    } else {
      delay(2000);  // the broker refused (state() says why) or is unreachable: try again
    }
  }
}

void setup() {
  snprintf(rawTopic, sizeof(rawTopic), "sluice/%s/raw", DEVICE_ID);
  snprintf(rateTopic, sizeof(rateTopic), "sluice/%s/_ctl/rate", DEVICE_ID);
  connectWifi();
  mqtt.setServer(BROKER_HOST, BROKER_PORT);
  mqtt.setCallback(onMessage);
}

void loop() {
  if (WiFi.status() != WL_CONNECTED) connectWifi();
  connectMqtt();
  mqtt.loop();
  unsigned long now = millis();
  if (now - lastSent < periodMs) return;
  lastSent = now;
  // Replace with real sensors; temperatureRead() is the ESP32's own die temperature.
  float temperature = temperatureRead();
  float humidity = 40.0f + (float)(seq % 10);
  char payload[96];
  snprintf(payload, sizeof(payload), "{\"seq\":%lu,\"temperature\":%.2f,\"humidity\":%.1f}", seq,
           temperature, humidity);
  if (mqtt.publish(rawTopic, payload)) seq++;
}
