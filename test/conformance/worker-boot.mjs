// Entry of a conformance worker thread: registers tsx (workers do not inherit `--import tsx`)
// and loads the TypeScript worker.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.entry);
