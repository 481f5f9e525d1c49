// The frame pool: a byte stream split into fixed-size frames whatever the chunk boundaries, the newest frame
// replacing a waiting one, and three buffers reused, the lent one never written.
import { NewestFramePool } from '../../lib/gstreamer/frame-pool';

/** `frames` frames of `size` bytes, frame i filled with i + 1. */
function stream(frames: number, size: number): Uint8Array {
  const bytes = new Uint8Array(frames * size);
  for (let i = 0; i < frames; i++) bytes.fill(i + 1, i * size, (i + 1) * size);
  return bytes;
}

/** Feeds `bytes` in chunks of the given sizes (cycled); returns the frames completed per chunk. */
function feed(pool: NewestFramePool, bytes: Uint8Array, sizes: number[]): number[] {
  const completed: number[] = [];
  for (let off = 0, i = 0; off < bytes.length; i++) {
    const n = sizes[i % sizes.length]!;
    completed.push(pool.write(bytes.subarray(off, off + n)));
    off += n;
  }
  return completed;
}

describe('NewestFramePool', () => {
  it('splits frames across chunk boundaries: a frame over many chunks, a chunk over two frames, several frames in one chunk', () => {
    for (const sizes of [[7], [10, 3], [25], [1], [48]]) {
      const pool = new NewestFramePool(12);
      const seen: number[][] = [];
      const bytes = stream(4, 12);
      for (let off = 0, i = 0; off < bytes.length; i++) {
        const n = sizes[i % sizes.length]!;
        if (pool.write(bytes.subarray(off, off + n)) > 0) {
          const frame = pool.take()!;
          seen.push([frame.number, ...new Set(frame.data)]);
        }
        off += n;
      }
      // every frame handed out is whole (one fill value) and is the newest one complete at that moment
      for (const [number, ...values] of seen) expect(values).toEqual([number! + 1]);
      expect(seen.at(-1)![0]).toBe(3);
      expect(pool.received).toBe(4);
      expect(pool.partialBytes).toBe(0);
    }
  });

  it('counts the frames a chunk completes and keeps a partial frame for the next chunk', () => {
    const pool = new NewestFramePool(10);
    expect(feed(pool, stream(3, 10).subarray(0, 25), [4, 21])).toEqual([0, 2]);
    expect(pool.partialBytes).toBe(5);
    expect(pool.received).toBe(2);
  });

  it('a frame completed while another waits replaces it; the frame number shows the gap', () => {
    const pool = new NewestFramePool(8);
    pool.write(stream(5, 8));
    expect(pool.received).toBe(5);
    expect(pool.dropped).toBe(4);
    const frame = pool.take()!;
    expect(frame.number).toBe(4);
    expect([...new Set(frame.data)]).toEqual([5]);
    expect(pool.take()).toBeNull();
    expect(pool.delivered).toBe(1);
  });

  it('reuses three buffers, and never writes the one lent to the caller', () => {
    const pool = new NewestFramePool(16);
    const buffers = new Set<Uint8Array>();
    let lent = null as ReturnType<NewestFramePool['take']>;
    for (let i = 0; i < 30; i++) {
      pool.write(new Uint8Array(16).fill(i + 1));
      if (i % 3 === 0) {
        if (lent) expect([...new Set(lent.data)]).toEqual([lent.number + 1]); // untouched while lent
        lent = pool.take()!;
        buffers.add(lent.data);
      }
    }
    expect(buffers.size).toBeLessThanOrEqual(3);
    expect(buffers.size).toBeGreaterThan(1);
    expect(pool.received).toBe(30);
    expect(pool.delivered + pool.dropped).toBe(30 - (pool.hasFrame ? 1 : 0));
  });
});
