// Package admin is the Sneakers23 operator surface: a JSON API to release products, sell
// items and drive the reducer (used by the demo and by tests), and HTTP basic auth that
// guards it and the /admin page. Since browsers resend basic-auth credentials by
// themselves, BasicAuth also refuses state-changing requests that another site's page
// makes the admin's browser send (package live/secure); curl and other non-browser
// clients are not affected.
package admin
