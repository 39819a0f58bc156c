import { runWorkerProcess } from './channel-worker.js';

runWorkerProcess();
