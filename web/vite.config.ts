// Vite builds the client into web/dist, which the confab binary embeds
// (crates/confab-server/build.rs and src/http/web.rs). The dev server proxies the
// API and the WebSocket to a running confab: CONFAB_URL (default 127.0.0.1:8080).
import { defineConfig } from 'vitest/config';

const target = process.env.CONFAB_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Vite would inline small assets as data: URLs; keep every file a file.
    assetsInlineLimit: 0,
    // No module-preload polyfill: it is inline-free anyway, but not needed by the
    // browsers the client supports.
    modulePreload: { polyfill: false },
    sourcemap: false,
  },
  server: {
    host: '127.0.0.1',
    proxy: {
      '/api': { target, ws: true, changeOrigin: false },
    },
  },
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
