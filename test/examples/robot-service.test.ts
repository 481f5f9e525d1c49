/**
 * examples/robot-service with its real parts: GStreamer's videotestsrc as the camera, a Mosquitto broker and a
 * Prometheus server started here on loopback. Results reach the topic at the camera's frame rate, a constraint sent
 * over MQTT changes the level, Prometheus scrapes the frame counter and the latency histogram, the service keeps
 * inferring while the broker is away and reconnects, and SIGTERM leaves no process behind. Bad input: an element
 * that does not exist, frames of another size.
 */
import * as mqtt from 'mqtt';
import * as net from 'node:net';
import { describeWithTools, GST_LAUNCH, MOSQUITTO, PROMETHEUS } from '../tools';
import { freePort, Part, processesWith, Service, startMosquitto, startPrometheus, waitFor } from './real-parts';

const FPS = 30;

interface Received {
  topic: string;
  message: Record<string, unknown>;
  at: number;
}

/** A subscriber to every topic of the service, reconnecting as the service does. */
function subscribe(url: string, prefix: string): { client: mqtt.MqttClient; received: Received[]; on(topic: string): Received[] } {
  const client = mqtt.connect(url, { reconnectPeriod: 200 });
  const received: Received[] = [];
  client.on('connect', () => client.subscribe(`${prefix}/#`));
  client.on('message', (topic, payload) => received.push({ topic: topic.slice(prefix.length + 1), message: JSON.parse(payload.toString()) as Record<string, unknown>, at: Date.now() }));
  client.on('error', () => undefined); // refused while the broker is away: it retries
  return { client, received, on: (topic) => received.filter((r) => r.topic === topic) };
}

/** A metric's value from the service's own /metrics. */
async function scraped(httpPort: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : NaN;
}

describeWithTools('the robot service with GStreamer, Mosquitto and Prometheus', [GST_LAUNCH, MOSQUITTO, PROMETHEUS], () => {
  const marker = `robotcam${process.pid}`; // in the pipeline description, to find its gst-launch process
  const prefix = `test/${marker}`;
  let brokerPort: number;
  let broker: Part;
  let service: Service;
  let prometheus: Awaited<ReturnType<typeof startPrometheus>> | undefined;
  let sub: ReturnType<typeof subscribe>;
  let httpPort: number;
  let fastest: string; // the level with the least profiled latency here, which runs when no level meets the target

  beforeAll(async () => {
    brokerPort = await freePort();
    broker = await startMosquitto(brokerPort);
    const url = `mqtt://127.0.0.1:${brokerPort}`;
    sub = subscribe(url, prefix);
    service = new Service(['--source', `videotestsrc is-live=true name=${marker}`, '--fps', String(FPS), '--target', '200', '--mqtt', url, '--topic', prefix, '--http-port', '0']);
    const ready = await waitFor('the service to be ready', () => {
      if (!service.running) throw new Error(`the service exited: ${service.output}`);
      return service.events('ready')[0];
    }, 60000);
    httpPort = ready.httpPort as number;
    const subnets = ready.subnets as { id: string; latencyMs: number }[];
    fastest = subnets.reduce((a, b) => (b.latencyMs < a.latencyMs ? b : a)).id;
  }, 90000);

  afterAll(async () => {
    sub?.client.end(true);
    for (const part of [service, prometheus, broker]) if (part?.running) await part.stop();
  }, 60000);

  it('publishes a result per camera frame at the frame rate (QoS 0), on the most accurate level the target allows', async () => {
    const results = await waitFor('90 results', () => sub.on('results').length >= 90 && sub.on('results'));
    const [first, last] = [results[20]!, results[80]!];
    const rate = (60 * 1000) / (last.at - first.at);
    console.log(`robot service: ${rate.toFixed(1)} results/s on the topic for a ${FPS} fps camera`);
    expect(rate).toBeGreaterThan(FPS * 0.6);
    expect(rate).toBeLessThan(FPS * 1.4);
    for (const { message } of results) expect(message).toEqual({ frame: expect.any(Number), label: expect.any(String), subnet: 'L5', device: 'cpu', latencyMs: expect.any(Number), met: true });
    const frames = results.map((r) => r.message.frame as number);
    expect(frames).toEqual([...frames].sort((a, b) => a - b));
    expect(sub.on('switch')[0]!.message).toMatchObject({ from: null, to: 'L5', reason: 'initial' });
    expect(sub.on('constraints').at(-1)!.message).toEqual({ latencyTargetMs: 200 });
    expect(sub.on('status')[0]!.message).toEqual({ online: true });
  });

  it("Prometheus scrapes /metrics: its HTTP API returns the frame counter and the latency histogram", async () => {
    prometheus = await startPrometheus(httpPort);
    const frames = await waitFor('a scraped frame counter', async () => {
      const r = await prometheus!.query('dynamic_ofa_frames_total');
      return r.length > 0 && Number(r[0]!.value[1]) > 0 && r;
    }, 60000);
    expect(frames[0]!.metric).toMatchObject({ job: 'robot-service', instance: `127.0.0.1:${httpPort}` });
    const buckets = await prometheus.query('dynamic_ofa_inference_latency_seconds_bucket{subnet="L5",device="cpu"}');
    expect(buckets.map((b) => b.metric.le)).toContain('+Inf');
    const inf = buckets.find((b) => b.metric.le === '+Inf')!;
    const count = await prometheus.query('dynamic_ofa_inference_latency_seconds_count{subnet="L5"}');
    expect(Number(count[0]!.value[1])).toBe(Number(inf.value[1]));
    expect(Number(count[0]!.value[1])).toBeGreaterThan(0);
    expect(await prometheus.query('up{job="robot-service"} == 1')).toHaveLength(1);
    expect(Number((await prometheus.query('robot_camera_frames_total'))[0]!.value[1])).toBeGreaterThan(0);
  }, 90000);

  it('a tighter latency target sent over MQTT changes the level; bad constraints are answered on the errors topic', async () => {
    sub.client.publish(`${prefix}/constraints/set`, JSON.stringify({ latencyTargetMs: -1 }));
    const error = await waitFor('an error for bad constraints', () => sub.on('errors')[0]);
    expect(error.message).toMatchObject({ code: 'E_CONSTRAINTS_INVALID', message: expect.stringMatching(/latencyTargetMs must be a positive finite number/) });

    sub.client.publish(`${prefix}/constraints/set`, JSON.stringify({ latencyTargetMs: 0.001 })); // no level can: the fastest runs
    expect(fastest).not.toBe('L5');
    const change = await waitFor('a switch for the new constraints', () => sub.on('switch').find((s) => s.message.reason === 'constraints-changed'));
    expect(change.message).toMatchObject({ from: 'L5', to: fastest, device: 'cpu' });
    expect(sub.on('constraints').at(-1)!.message).toEqual({ latencyTargetMs: 0.001 });
    const after = await waitFor('results on the new level', () => {
      const later = sub.received.slice(sub.received.indexOf(change)).filter((r) => r.topic === 'results'); // published after the switch
      return later.length >= 10 && later;
    });
    for (const { message } of after) expect(message).toMatchObject({ subnet: fastest, met: false });
  });

  it('keeps inferring while the broker is away, and publishes again once it is back', async () => {
    const health = await fetch(`http://127.0.0.1:${httpPort}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true, mqttConnected: true });

    await broker.stop();
    const lastBefore = sub.on('results').at(-1)!.message.frame as number;
    const framesThen = await scraped(httpPort, 'dynamic_ofa_frames_total');
    await waitFor('30 more frames inferred with no broker', async () => (await scraped(httpPort, 'dynamic_ofa_frames_total')) >= framesThen + 30);
    const away = await fetch(`http://127.0.0.1:${httpPort}/healthz`);
    expect(away.status).toBe(200);
    expect(await away.json()).toMatchObject({ ok: true, mqttConnected: false });

    broker = await startMosquitto(brokerPort);
    const back = await waitFor('results after the broker came back', () => sub.on('results').find((r) => (r.message.frame as number) > lastBefore + 30));
    expect(back.message).toMatchObject({ subnet: fastest });
    expect(service.events('mqtt').filter((e) => e.connected === true).length).toBeGreaterThanOrEqual(2);
  }, 90000);

  it('SIGTERM closes the pipeline, the worker, MQTT and HTTP, and leaves no process', async () => {
    expect(processesWith(marker).filter((p) => p.includes('gst-launch-1.0'))).toHaveLength(1); // its pipeline, running
    const how = await service.stop();
    expect(how).toEqual({ code: 0, signal: null });
    expect(service.stderr).toBe('');
    const names = service.lines.map((l) => l.event);
    expect(names.slice(-2)).toEqual(['stopped', 'exit']);
    expect(service.events('stopped')[0]).toMatchObject({ frames: expect.any(Number), camera: { received: expect.any(Number), dropped: expect.any(Number) } });
    expect(processesWith(marker)).toEqual([]); // neither the service nor its gst-launch-1.0
    await waitFor('the offline status', () => sub.on('status').some((s) => s.message.online === false));
    await expect(fetch(`http://127.0.0.1:${httpPort}/healthz`)).rejects.toThrow();
  }, 30000);
});

describeWithTools('the robot service with bad input', [GST_LAUNCH], () => {
  async function failing(args: string[], marker: string, code = 1): Promise<Service> {
    const service = new Service(['--mqtt', `mqtt://127.0.0.1:${await freePort()}`, '--http-port', '0', ...args]);
    const how = await service.exited;
    expect(how).toEqual({ code, signal: null });
    expect(service.stderr).toBe('');
    expect(processesWith(marker)).toEqual([]);
    return service;
  }

  it('a pipeline element that does not exist: E_PIPELINE_START naming it, exit code 1, no process left', async () => {
    const marker = `nosuchelement${process.pid}`;
    const service = await failing(['--source', marker], marker);
    expect(service.events('error')[0]).toMatchObject({ code: 'E_PIPELINE_START', message: expect.stringContaining(`no element "${marker}"`) });
    expect(service.events('exit')).toEqual([expect.objectContaining({ code: 1 })]);
  }, 60000);

  it('frames of another size than asked: E_FRAME_SIZE naming both, exit code 1, no process left', async () => {
    const marker = `wrongsize${process.pid}`;
    const service = await failing(['--pipeline', `videotestsrc name=${marker} ! video/x-raw,format=RGB,width=32,height=24`, '--width', '64', '--height', '48'], marker);
    expect(service.events('error')[0]).toMatchObject({ code: 'E_FRAME_SIZE', message: expect.stringMatching(/32x24 frames, not the video\/x-raw, RGB, 64x48/) });
  }, 60000);

  it('an HTTP port in use: the error says so, exit code 1, the pipeline is closed', async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    try {
      const marker = `portinuse${process.pid}`;
      const port = (holder.address() as net.AddressInfo).port;
      const service = await failing(['--source', `videotestsrc is-live=true name=${marker}`, '--http-port', String(port)], marker);
      expect(service.events('error')[0]).toMatchObject({ code: 'EADDRINUSE', message: expect.stringContaining(`HTTP server: listen EADDRINUSE`) });
    } finally {
      holder.close();
    }
  }, 60000);

  it('an unknown option: exit code 2 naming it and the options there are', async () => {
    const service = await failing(['--sorce', 'videotestsrc'], 'sorce-never-runs', 2);
    expect(service.events('error')[0]).toMatchObject({ code: 'E_INVALID_ARGUMENT', message: expect.stringMatching(/Unknown option '--sorce'.*--source --pipeline/) });
  });
});
