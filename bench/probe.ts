import http from 'node:http';
import { chatBody, HOST } from './load.js';

/** What one stream looks like: its headers (values that differ on every response masked) and its events. */
export interface Probe {
  headers: string[];
  events: { type: string; shape: string }[];
}

/** Values that differ on every response. */
const VARYING = new Set(['date', 'x-request-id', 'x-run-id']);

/** One `bench:10` stream from the server on `port`. */
export function probe(port: number): Promise<Probe> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: HOST,
        port,
        path: '/v1/chat',
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json' },
        signal: AbortSignal.timeout(60_000),
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          const headers: string[] = [`status ${res.statusCode}`];
          for (let i = 0; i < res.rawHeaders.length; i += 2) {
            const name = (res.rawHeaders[i] ?? '').toLowerCase();
            headers.push(`${name}: ${VARYING.has(name) ? '…' : res.rawHeaders[i + 1]}`);
          }
          const events = text
            .split('\n\n')
            .filter((frame) => frame && !frame.startsWith(':'))
            .map((frame) => {
              const lines = frame.split('\n');
              const data = lines.find((l) => l.startsWith('data: '))?.slice(6) ?? 'null';
              return {
                type: `${lines[0]?.replace(/\d+$/, 'n')} | ${lines[1]}`,
                shape: shapeOf(JSON.parse(data)),
              };
            });
          resolve({ headers, events });
        });
      },
    );
    req.on('error', reject);
    req.end(chatBody('bench:10'));
  });
}

/** The JSON's layout: keys in order and value types, not values. */
function shapeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `[${value.map(shapeOf).join(',')}]`;
  if (typeof value === 'object')
    return `{${Object.entries(value as object)
      .map(([k, v]) => `${k}:${shapeOf(v)}`)
      .join(',')}}`;
  return typeof value;
}

/** Where the floor's stream differs from StreamForge's: headers, events, or the layout of an event's JSON. */
export function compareProbes(floor: Probe, sf: Probe): string[] {
  const differences: string[] = [];
  if (floor.headers.join('\n') !== sf.headers.join('\n'))
    differences.push(
      `headers: floor [${floor.headers.join('; ')}] vs StreamForge [${sf.headers.join('; ')}]`,
    );
  if (floor.events.length !== sf.events.length)
    differences.push(`events: floor ${floor.events.length} vs StreamForge ${sf.events.length}`);
  const length = Math.min(floor.events.length, sf.events.length);
  for (let i = 0; i < length && differences.length < 5; i++) {
    const f = floor.events[i];
    const s = sf.events[i];
    if (f && s && (f.type !== s.type || f.shape !== s.shape))
      differences.push(`event ${i + 1}: floor ${f.type} ${f.shape} vs StreamForge ${s.type} ${s.shape}`);
  }
  return differences;
}
