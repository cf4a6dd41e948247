package assets

import "time"

// buildTime is the Last-Modified of every embedded file: embed.FS carries no times, and a
// fixed instant still lets clients revalidate with If-Modified-Since.
var buildTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
