// Package testenv holds the rule the repository's tests follow for what they need from the
// machine (Chromium, HAProxy, PostgreSQL, Node.js): a test whose requirement is missing
// skips with a message saying what to install, except in CI (CI=true), where it fails, so
// that a green CI run has run everything. Outcome lets a test check how another test
// helper ends (fails or skips) without ending the calling test.
package testenv
