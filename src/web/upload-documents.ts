import type { UploadResult } from '../client/index.js';

/**
 * Uploads files to `POST /v1/documents` with XMLHttpRequest, the one browser API that reports upload
 * progress (`fetch` does not). Resolves with the per-file results (also for a 207 mixed upload).
 */
export function uploadDocuments(
  files: File[],
  token: string | null,
  onProgress: (fraction: number) => void,
): Promise<{ status: number; body: UploadResult | { detail?: string; code?: string } }> {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    for (const file of files) form.append('file', file, file.name);
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/v1/documents');
    if (token) xhr.setRequestHeader('authorization', `Bearer ${token}`);
    xhr.responseType = 'json';
    xhr.upload.addEventListener('progress', (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    });
    xhr.addEventListener('load', () => resolve({ status: xhr.status, body: xhr.response ?? {} }));
    xhr.addEventListener('error', () => reject(new Error('The upload did not reach the server')));
    xhr.send(form);
  });
}
