import { defineConfig } from "vitest/config";

// Built into the Python package, which serves index.html at / and the rest under /static.
export default defineConfig({
  base: "/static/",
  build: {
    outDir: "../src/wallboard/web/static",
    emptyOutDir: true,
    target: "es2022",
    chunkSizeWarningLimit: 200,
    rollupOptions: {
      // The dashboard, and the API reference served at /schema.
      input: { main: "index.html", apidocs: "apidocs.html" },
    },
  },
  test: {
    include: ["src/**/*.test.ts"],
  },
});
