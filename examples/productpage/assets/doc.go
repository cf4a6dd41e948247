// Package assets holds the Sneakers23 static files, embedded: the stylesheet with the size
// levels' visual states, the site's icon and the product images (SVG drawings).
package assets
