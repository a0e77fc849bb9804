export { runCheckoutWorker, type WorkerBackend, type WorkerOptions } from './checkout-worker.js';
export { ensureBuilt, runWorker, startWorker, type Worker } from './processes.js';
