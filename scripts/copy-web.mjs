#!/usr/bin/env node
// Part of `npm run build`: copies the dashboard's static files beside the compiled module that serves them
// (src/web/static -> dist/web/static), since tsc copies only what it compiles.
import { cpSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, 'dist', 'web', 'static');
rmSync(target, { recursive: true, force: true });
cpSync(join(root, 'src', 'web', 'static'), target, { recursive: true });
