import { readJson } from './read-json.js';

/** POSTs files as multipart/form-data, as a browser form or `curl -F` would. */
export async function upload(
  url: string,
  files: { name: string; content: string | Uint8Array; type?: string }[],
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): Promise<{ status: number; contentType: string | null; body: any }> {
  const form = new FormData();
  for (const f of files) {
    // A copy as a plain ArrayBuffer view: the DOM's Blob type refuses views of a possibly shared buffer.
    const part = typeof f.content === 'string' ? f.content : new Uint8Array(f.content);
    form.append('file', new Blob([part], { type: f.type ?? 'application/octet-stream' }), f.name);
  }
  const response = await fetch(`${url}/v1/documents`, { method: 'POST', body: form });
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    body: await readJson(response),
  };
}
