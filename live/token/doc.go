// Package token signs and verifies small tamper-proof tokens, such as the live view
// session tokens the page embeds in data-phx-session.
//
// A token is base64url(signed-at ‖ data) "." base64url(HMAC-SHA256). The signed-at time
// (Unix milliseconds) is inside the signed part, so Verify can enforce a maximum age. A
// salt separates purposes: a token signed for one salt never verifies for another. Tokens
// are attribute-safe (only [A-Za-z0-9_.-]); they are signed, not encrypted, so data is
// readable by the client.
//
// Verify's errors are distinct sentinels for errors.Is: ErrMissing (empty token),
// ErrInvalid (malformed, tampered, wrong secret or salt) and ErrExpired.
//
// SecretFromEnv picks the secret a server signs with: $GLINT_SECRET when set (production
// must set it, to the same value on every node), else a development secret generated once
// per machine and kept in the user's cache directory (DevSecret), so that restarting a
// development server does not force its open pages to reload.
package token
