/**
 * Export the open film from the Studio tab: MP4 or GIF, a progress bar while ffmpeg encodes,
 * then a download link (server/film-export.ts; the same exporter as `shammie film export`).
 * The status is polled while an export runs; the server keeps it, so a reload shows it again.
 */
import { useEffect, useState } from 'react';
import { z } from 'zod';
import { consoleId } from '../net/client.js';

const statusSchema = z.object({
  state: z.enum(['idle', 'running', 'done', 'failed']),
  film: z.string().nullable(),
  format: z.enum(['mp4', 'gif']).nullable(),
  done: z.number(),
  total: z.number(),
  url: z.string().optional(),
  bytes: z.number().optional(),
  error: z.string().optional(),
});
type Status = z.infer<typeof statusSchema>;

/** ms between status polls while an export runs */
const POLL_MS = 300;

const base = () => window.location.href.replace(/[?#].*$/, '').replace(/[^/]*$/, '');

async function readStatus(): Promise<Status | string> {
  try {
    const res = await fetch(new URL('api/film/export', base()), { credentials: 'same-origin' });
    const body: unknown = await res.json().catch(() => null);
    if (!res.ok) return (body as { error?: string } | null)?.error ?? `the export status failed (HTTP ${res.status})`;
    const s = statusSchema.safeParse(body);
    return s.success ? s.data : 'the server sent an export status this console does not understand';
  } catch (err) {
    return `the export status did not reach the server: ${String(err)}`;
  }
}

export function FilmExport({ film, frames }: { film: string; frames: number }) {
  const [format, setFormat] = useState<'mp4' | 'gif'>('mp4');
  const [status, setStatus] = useState<Status | null>(null);
  const [error, setError] = useState<string | null>(null);
  const running = status?.state === 'running';

  // The last export's state on open (it may have run from another console or before a reload).
  useEffect(() => {
    void readStatus().then((s) => (typeof s === 'string' ? setError(s) : setStatus(s)));
  }, []);
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => {
      void readStatus().then((s) => {
        if (typeof s === 'string') setError(s);
        else setStatus(s);
      });
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [running]);

  const start = async () => {
    setError(null);
    try {
      const res = await fetch(new URL('api/film/export', base()), {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'content-type': 'application/json', 'x-shammie-client': consoleId() },
        body: JSON.stringify({ format }),
      });
      const body: unknown = await res.json().catch(() => null);
      if (!res.ok) return setError((body as { error?: string } | null)?.error ?? `the export did not start (HTTP ${res.status})`);
      const s = statusSchema.safeParse(body);
      if (s.success) setStatus(s.data);
    } catch (err) {
      setError(`the export request did not reach the server: ${String(err)}`);
    }
  };

  const mine = status && status.film === film;
  const pct = status && status.total > 0 ? Math.round((100 * status.done) / status.total) : 0;
  return (
    <div className="film-export" data-testid="film-export">
      <div className="btn-row">
        <label>
          Export as{' '}
          <select value={format} onChange={(e) => setFormat(e.target.value === 'gif' ? 'gif' : 'mp4')} aria-label="Film format">
            <option value="mp4">MP4 (H.264)</option>
            <option value="gif">GIF</option>
          </select>
        </label>
        <button onClick={() => void start()} disabled={running || frames === 0} data-testid="film-export-start">
          Export film
        </button>
      </div>
      {running && (
        <div className="hint" role="status">
          <progress max={100} value={pct} aria-label="Export progress" data-testid="film-export-progress" /> {status.done} of{' '}
          {status.total || frames} frames{status.film !== film ? ` of "${status.film}"` : ''}
        </div>
      )}
      {mine && status.state === 'done' && status.url && (
        <div className="ok" role="status">
          <a href={status.url} download data-testid="film-export-link">
            Download {status.url.split('/').pop()}
          </a>{' '}
          ({((status.bytes ?? 0) / 1024).toFixed(0)} KB, {status.total} frames)
        </div>
      )}
      {mine && status.state === 'failed' && (
        <div className="bad" role="alert" data-testid="film-export-error">
          {status.error}
        </div>
      )}
      {error && (
        <div className="bad" role="alert" data-testid="film-export-error">
          {error}
        </div>
      )}
    </div>
  );
}
