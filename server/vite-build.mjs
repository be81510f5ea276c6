// Builds the operator console (ui/) with Vite. Run by server/build.ts in a child process
// with NODE_ENV=production: Vite and the React plugin read NODE_ENV from the process, and a
// parent that runs under vitest has NODE_ENV=test, which would yield a development build.
//
//   node server/vite-build.mjs <ui root> <out dir>
import { build } from 'vite';
import react from '@vitejs/plugin-react';

const [root, outDir] = process.argv.slice(2);
if (!root || !outDir) {
  process.stderr.write('usage: node vite-build.mjs <ui root> <out dir>\n');
  process.exit(2);
}
try {
  await build({
    configFile: false,
    root,
    base: './',
    mode: 'production',
    logLevel: 'warn',
    clearScreen: false,
    plugins: [react()],
    build: {
      outDir,
      emptyOutDir: true,
      target: 'es2022',
      sourcemap: false,
      reportCompressedSize: false,
      chunkSizeWarningLimit: 2000,
    },
  });
} catch (err) {
  process.stderr.write(`${err && err.stack ? err.stack : String(err)}\n`);
  process.exit(1);
}
