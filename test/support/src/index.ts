export { ensureBuilt, runWorker, startWorker, type Worker } from './processes.js';
