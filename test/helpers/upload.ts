import { readJson } from './read-json.js';

/** POSTs files as multipart/form-data, as a browser form or `curl -F` would. */
export async function upload(
  url: string,
  files: { name: string; content: string | Uint8Array; type?: string }[],
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): Promise<{ status: number; contentType: string | null; body: any }> {
  const form = new FormData();
  for (const f of files)
    form.append('file', new Blob([f.content], { type: f.type ?? 'application/octet-stream' }), f.name);
  const response = await fetch(`${url}/v1/documents`, { method: 'POST', body: form });
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    body: await readJson(response),
  };
}
