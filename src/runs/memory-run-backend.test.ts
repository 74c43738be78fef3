import { MemoryRunBackend } from './memory-run-backend.js';
import { runBackendContract } from './run-backend.contract.js';

// In one process "another instance" is the same backend: every run is in the one map.
runBackendContract('MemoryRunBackend', async ({ retentionMs }) => {
  const backend = new MemoryRunBackend(retentionMs);
  return { owner: backend, other: backend, close: () => backend.close() };
});
