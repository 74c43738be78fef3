import type { Frame, WireFormat } from '../../formats/index.js';
import type { LoggedEvent } from '../../protocol/index.js';
import type { RunSink, SinkWrite } from '../../runs/index.js';
import type { FrameChannel } from './frame-channel.js';

/**
 * A run sink for any transport: the client's wire format turns events into frames, the transport's channel
 * carries them. The format's opening frames go out at once.
 */
export function framedSink(
  channel: FrameChannel,
  format: WireFormat,
  /** How long a stream may stay idle when the format does not say; the server's keep-alive. */
  keepAliveMs: number,
): RunSink {
  if (format.opening?.length) channel.send(format.opening);
  const heartbeat = format.heartbeat;
  return {
    gone: channel.gone,
    heartbeatMs: heartbeat ? (format.heartbeatMs ?? keepAliveMs) : undefined,
    write(batch: readonly LoggedEvent[]): SinkWrite {
      const frames: Frame[] = [];
      for (const event of batch) for (const frame of format.encode(event)) frames.push(frame);
      // Events a format has nothing to say about are not writes: the stream stays idle.
      if (frames.length === 0) return 'idle';
      return channel.send(frames) ? 'written' : 'full';
    },
    writable: (signal) => channel.writable(signal),
    heartbeat() {
      if (heartbeat) channel.send([heartbeat]);
    },
    end() {
      if (format.trailer?.length) channel.send(format.trailer);
      channel.end();
    },
    shutdown(lastId) {
      channel.send(format.shutdown(lastId));
      channel.end();
    },
    abort: () => channel.destroy(),
  };
}
