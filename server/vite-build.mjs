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
      // .vite/manifest.json: which chunks the entry loads statically (test/server/static.test.ts
      // checks that the 3D view, teaching and studio chunks are not among them).
      manifest: true,
      rolldownOptions: {
        output: {
          // Libraries in chunks of their own: an update of the console's code leaves them cached.
          // three.js and R3F are reached only from the lazily loaded 3D view (ui/src/lazy.tsx).
          codeSplitting: {
            groups: [
              // First: a group takes its modules' dependencies with it, and R3F depends on these.
              { name: 'react', priority: 2, test: /node_modules[\\/](react|react-dom|scheduler|zustand|use-sync-external-store)[\\/]/ },
              { name: 'three', priority: 1, test: /node_modules[\\/](three|@react-three|urdf-loader)[\\/]/ },
            ],
          },
        },
      },
    },
  });
} catch (err) {
  process.stderr.write(`${err && err.stack ? err.stack : String(err)}\n`);
  process.exit(1);
}
