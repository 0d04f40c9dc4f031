// The delivery service's log: one line per event, that can never hurt the
// server. A broken stdout (its pipe's reader gone: EPIPE) or log file stops
// that sink for good instead of failing on every line (an unhandled EPIPE on
// stdout becomes an uncaught exception, whose handler logs, which fails again:
// a busy loop); a sink that does not keep up loses lines instead of growing
// memory; the volume is bounded by a token bucket (dropped lines are counted
// and reported); and every line is one line: control characters, including
// newlines a client put in a close reason or a field, are escaped.

import { createWriteStream } from 'node:fs';
import { TokenBucket } from './rate-limit.js';

/** Escapes what could break a line or a terminal: C0/C1 controls, DEL, U+2028/2029. */
export function oneLine(s: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A client-controlled string, quoted, escaped and cut to `max` characters, for a log line. */
export function q(s: string, max = 200): string {
  const cut = s.length > max ? `${s.slice(0, max)}…` : s;
  return `"${oneLine(cut.replace(/\\/g, '\\\\').replace(/"/g, '\\"'))}"`;
}

/** A writable that may break: after its first error nothing more is written to it. */
class Sink {
  broken = false;
  dropped = 0;

  constructor(
    readonly name: string,
    private readonly stream: NodeJS.WritableStream & { writableLength?: number },
    private readonly maxBacklog: number,
    onBroken: (name: string, err: Error) => void,
  ) {
    stream.on('error', (err: Error) => {
      if (this.broken) return;
      this.broken = true;
      onBroken(name, err);
    });
  }

  write(text: string): boolean {
    if (this.broken) return false;
    // A sink that does not keep up (a slow pipe reader, a full disk) loses lines rather than memory.
    if ((this.stream.writableLength ?? 0) > this.maxBacklog) {
      this.dropped++;
      return false;
    }
    try {
      this.stream.write(text);
      return true;
    } catch {
      this.broken = true;
      return false;
    }
  }
}

export interface LoggerOptions {
  /** No event lines (the listening line is still printed). */
  readonly quiet: boolean;
  /** Append event lines to this file instead of stdout. */
  readonly file?: string;
  readonly linesPerSecond: number;
  readonly burst: number;
  readonly now: () => number;
  readonly stdout?: NodeJS.WritableStream;
  readonly stderr?: NodeJS.WritableStream;
}

export class Logger {
  private readonly out: Sink;
  private readonly err: Sink;
  private readonly file: Sink | undefined;
  private readonly bucket: TokenBucket;
  private dropped = 0;

  constructor(private readonly o: LoggerOptions) {
    const onBroken = (name: string, e: Error): void => this.brokenSink(name, e);
    this.out = new Sink('stdout', o.stdout ?? process.stdout, 1 << 20, onBroken);
    this.err = new Sink('stderr', o.stderr ?? process.stderr, 1 << 20, onBroken);
    this.file = o.file === undefined ? undefined : new Sink(`log file ${o.file}`, createWriteStream(o.file, { flags: 'a' }), 8 << 20, onBroken);
    this.bucket = new TokenBucket(o.linesPerSecond, o.burst, o.now());
  }

  private brokenSink(name: string, e: Error): void {
    // Say so once where it can still be read; never retry the broken sink.
    const line = `${new Date(this.o.now()).toISOString()} logging to ${name} stopped: ${oneLine(e.message)}\n`;
    if (name !== 'stderr') this.err.write(line);
    if (this.file !== undefined && name !== this.file.name) this.file.write(line);
  }

  private sink(): Sink {
    return this.file ?? this.out;
  }

  /** Lines not written: over the rate, or lost by a sink that did not keep up. */
  get droppedLines(): number {
    return this.dropped + this.out.dropped + (this.file?.dropped ?? 0);
  }

  /** True once the event sink is broken (nothing will be logged any more). */
  get broken(): boolean {
    return this.sink().broken;
  }

  /** An event line: escaped, timestamped, rate-limited. */
  log(line: string): void {
    if (this.o.quiet) return;
    const sink = this.sink();
    if (sink.broken) return;
    if (!this.bucket.take(this.o.now())) {
      this.dropped++;
      return;
    }
    const ts = new Date(this.o.now()).toISOString();
    if (this.dropped > 0) {
      sink.write(`${ts} (${this.dropped} log lines dropped: more than ${this.o.linesPerSecond}/s)\n`);
      this.dropped = 0;
    }
    sink.write(`${ts} ${oneLine(line)}\n`);
  }

  /** A line scripts wait for (the listening line): on stdout even when quiet or logging to a file. */
  announce(line: string): void {
    this.out.write(`${oneLine(line)}\n`);
  }

  /** A fatal message before exiting: stderr, and the log file. */
  fatal(line: string): void {
    const text = `${new Date(this.o.now()).toISOString()} ${oneLine(line)}\n`;
    this.err.write(text);
    this.file?.write(text);
  }
}
