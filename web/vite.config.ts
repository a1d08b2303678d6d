import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The web app builds to web/dist: static files that the local runtime serves (npm start) and the CDK web
// stack deploys to S3 behind CloudFront. `npm run build:web` type-checks and builds.
export default defineConfig({
  root: import.meta.dirname,
  base: "/",
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: true },
  // `vite dev` from web/: the API calls go to a running `npm start` (its web server, port 3001).
  server: {
    host: "127.0.0.1",
    proxy: Object.fromEntries(
      ["/api", "/_local", "/config.json"].map((path) => [
        path,
        { target: "http://127.0.0.1:3001", changeOrigin: true },
      ]),
    ),
  },
});
