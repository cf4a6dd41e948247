// Package js embeds Glint's browser client so that Go users never need Node.js.
//
// Script is the minified bundle (js/dist/glint.min.js, morphdom included) and Handler serves
// it; the live runtime mounts it at /live/glint.js. The client's source lives in js/src,
// `npm run build` rebuilds the bundle, and `npm test` checks that the committed bundle is
// current and within its size budget. js/README.md describes the client's page API.
package js
