/**
 * What gst-launch-1.0 printed, kept bounded: its stderr lines (where it reports errors) for error messages, and
 * its stdout cut into whole lines (where `-v` reports the caps).
 */
const MAX_LINES = 50;
const MAX_PARTIAL = 64 * 1024;

/** Cuts a stream's text into whole lines; the unfinished last line is kept (its last MAX_PARTIAL characters). */
class LineSplitter {
  partial = '';

  /** Adds text; returns the lines it completed. */
  push(text: string): string[] {
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop()!.slice(-MAX_PARTIAL);
    return parts;
  }
}

export class GstOutput {
  private readonly lines: string[] = [];
  private readonly errors = new LineSplitter();
  private readonly output = new LineSplitter();

  /** Adds stderr text. */
  addError(text: string): void {
    for (const line of this.errors.push(text)) if (line.trim() !== '') this.lines.push(line);
    if (this.lines.length > MAX_LINES) this.lines.splice(0, this.lines.length - MAX_LINES);
  }

  /** Adds stdout text; returns the lines it completed. */
  addOutput(text: string): string[] {
    return this.output.push(text);
  }

  /** The stderr lines kept. */
  get text(): string {
    const partial = this.errors.partial;
    return [...this.lines, ...(partial.trim() ? [partial] : [])].join('\n');
  }

  /** GStreamer's own account of the failure: its first ERROR or WARNING line, else its last line, else ''. */
  get summary(): string {
    const all = this.text.split('\n').filter((l) => l !== '');
    return all.find((l) => /^(ERROR|WARNING)\b/.test(l)) ?? all.at(-1) ?? '';
  }
}
