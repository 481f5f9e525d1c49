/**
 * Splits a byte stream into frames of a fixed size, in three reused buffers: one being filled, the newest complete
 * frame waiting, and the one lent to the caller. A frame completed while another waits replaces it (the caller
 * wants the newest frame, not a queue), so memory stays three frames however slow the caller is.
 */
export interface PooledFrame {
  /** The frame's bytes; valid until the next take(), which returns this buffer to the pool. */
  readonly data: Uint8Array;
  /** 0 for the stream's first frame; a gap means frames were replaced while waiting. */
  readonly number: number;
}

export class NewestFramePool {
  private readonly buffers: Uint8Array[];
  private filling = 0;
  private filled = 0;
  /** buffer index of the waiting frame, or -1 */
  private waiting = -1;
  private waitingNumber = -1;
  /** buffer index lent to the caller, or -1 */
  private lent = -1;
  private readonly free: number[];
  /** Frames completed, taken, and replaced while waiting. */
  received = 0;
  delivered = 0;
  dropped = 0;

  constructor(readonly frameBytes: number) {
    this.buffers = [0, 1, 2].map(() => new Uint8Array(frameBytes));
    this.free = [2, 1];
  }

  /** Bytes of the frame being filled (non-zero when the stream stopped mid-frame). */
  get partialBytes(): number {
    return this.filled;
  }

  /** Whether a complete frame waits to be taken. */
  get hasFrame(): boolean {
    return this.waiting >= 0;
  }

  /** Copies a chunk of the stream into the pool; returns how many frames it completed. */
  write(chunk: Uint8Array): number {
    let completed = 0;
    let offset = 0;
    while (offset < chunk.length) {
      const n = Math.min(this.frameBytes - this.filled, chunk.length - offset);
      this.buffers[this.filling]!.set(chunk.subarray(offset, offset + n), this.filled);
      this.filled += n;
      offset += n;
      if (this.filled === this.frameBytes) {
        this.complete();
        completed++;
      }
    }
    return completed;
  }

  /** Lends the newest complete frame (returning the previously lent buffer to the pool), or null when none waits. */
  take(): PooledFrame | null {
    if (this.waiting < 0) return null;
    if (this.lent >= 0) this.free.push(this.lent);
    this.lent = this.waiting;
    this.waiting = -1;
    this.delivered++;
    return { data: this.buffers[this.lent]!, number: this.waitingNumber };
  }

  private complete(): void {
    if (this.waiting >= 0) {
      this.free.push(this.waiting);
      this.dropped++;
    }
    this.waiting = this.filling;
    this.waitingNumber = this.received++;
    this.filling = this.free.pop()!;
    this.filled = 0;
  }
}
