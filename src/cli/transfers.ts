// Progress of blob transfers (push, pull, clone, export from a remote): on an interactive terminal a
// spinner with bytes, rate and ETA of the transfer under way; elsewhere one plain line per finished
// transfer on stderr (none under --json), so CI logs say what moved and how fast.
import type { TransferEvent, TransferListener } from '../api/transfers.js';
import { formatBytes, type Progress, type Renderer } from './render/render.js';

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

export interface TransferDisplay {
  listener: TransferListener;
  stop(): void;
}

export async function transferDisplay(render: Renderer, initial: string): Promise<TransferDisplay> {
  const verb = (e: TransferEvent, past: boolean) => (e.direction === 'upload' ? (past ? 'uploaded' : 'uploading') : past ? 'downloaded' : 'downloading');
  if (!render.interactive) {
    return {
      listener(e) {
        if (e.type !== 'done') return;
        const rate = e.ms > 0 ? `, ${formatBytes(Math.round((e.size / e.ms) * 1000))}/s` : '';
        render.note(`${verb(e, true)} ${e.label} (blob ${e.sha256.slice(0, 12)}, ${formatBytes(e.size)} in ${seconds(e.ms)}${rate})`);
      },
      stop() {},
    };
  }
  const spinner: Progress = await render.progress(initial);
  const active = new Map<string, { started: number; bytes: number; event: TransferEvent }>();
  return {
    listener(e) {
      if (e.type === 'done') {
        active.delete(e.sha256);
        return;
      }
      const entry = active.get(e.sha256) ?? { started: Date.now(), bytes: 0, event: e };
      if (e.type === 'progress') entry.bytes = e.bytes;
      active.set(e.sha256, entry);
      const elapsed = Math.max(Date.now() - entry.started, 1);
      const rate = Math.round((entry.bytes / elapsed) * 1000);
      const eta = rate > 0 ? `, ETA ${seconds(((e.size - entry.bytes) / rate) * 1000)}` : '';
      const more = active.size > 1 ? ` (+${active.size - 1} more)` : '';
      spinner.update(`${verb(e, false)} ${e.label}: ${formatBytes(entry.bytes)} / ${formatBytes(e.size)}, ${formatBytes(rate)}/s${eta}${more}`);
    },
    stop() {
      spinner.stop();
    },
  };
}
