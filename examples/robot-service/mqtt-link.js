'use strict';
// The service's MQTT side: the topics it publishes and listens on, under one prefix (README.md lists them).
// Results go at QoS 0 and only while connected (a result is stale by the time a broker comes back); switch
// events, errors and the constraints in force go at QoS 1. mqtt.js reconnects on its own every second.
const mqtt = require('mqtt');

function topicsFor(prefix) {
  return {
    results: `${prefix}/results`,
    switches: `${prefix}/switch`,
    constraints: `${prefix}/constraints`,
    setConstraints: `${prefix}/constraints/set`,
    errors: `${prefix}/errors`,
    status: `${prefix}/status`,
  };
}

/** Connects (and keeps reconnecting) to `url`; `onConstraints(object | Error)` gets each message on constraints/set. */
function connectMqtt(url, prefix, { onConstraints, log }) {
  const topics = topicsFor(prefix);
  const offline = JSON.stringify({ online: false });
  const client = mqtt.connect(url, {
    reconnectPeriod: 1000,
    queueQoSZero: false,
    will: { topic: topics.status, payload: offline, qos: 1, retain: true }, // the broker says so if the service vanishes
  });
  client.on('connect', () => {
    log('mqtt', { connected: true, url });
    client.publish(topics.status, JSON.stringify({ online: true }), { qos: 1, retain: true });
    client.subscribe(topics.setConstraints, { qos: 1 });
  });
  client.on('offline', () => log('mqtt', { connected: false, url }));
  client.on('error', (error) => log('mqtt', { error: error.message }));
  client.on('message', (topic, payload) => {
    if (topic !== topics.setConstraints) return;
    try {
      onConstraints(JSON.parse(payload.toString('utf8')));
    } catch (error) {
      onConstraints(new Error(`constraints must be a JSON object such as {"latencyTargetMs": 5}: ${error.message}`));
    }
  });

  const json = (topic, message, options) => client.publish(topic, JSON.stringify(message), options);
  return {
    topics,
    get connected() {
      return client.connected;
    },
    result: (result) => client.connected && json(topics.results, result, { qos: 0 }),
    switched: (event) => json(topics.switches, event, { qos: 1 }),
    constraints: (constraints) => json(topics.constraints, constraints, { qos: 1, retain: true }),
    error: (error) => json(topics.errors, error, { qos: 1 }),
    /** Says the service is offline (when connected) and disconnects; resolves when done. */
    async close() {
      if (client.connected) await client.publishAsync(topics.status, offline, { qos: 1, retain: true }).catch(() => undefined);
      await client.endAsync(!client.connected);
    },
  };
}

module.exports = { connectMqtt, topicsFor };
