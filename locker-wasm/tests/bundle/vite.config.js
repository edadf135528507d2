// The Vite build of bundle.test.mjs: vite/index.html into dist/vite, with
// relative asset URLs (base "./") so the bundle runs from any directory,
// and without the modulepreload polyfill (it needs a `document`; Node runs
// the bundle).
export default {
  root: "vite",
  base: "./",
  logLevel: "warn",
  build: { outDir: "../dist/vite", emptyOutDir: true, target: "es2022", modulePreload: { polyfill: false } },
};
