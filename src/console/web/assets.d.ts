/** Stylesheets are bundled by esbuild (src/console/build.ts). */
declare module '*.css';
