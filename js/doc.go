// Package js embeds Glint's browser client so that Go users never need Node.js. The source
// lives beside this file; the committed bundle in dist/ is rebuilt by `npm run build`.
package js
