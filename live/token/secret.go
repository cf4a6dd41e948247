package token

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// SecretEnv is the environment variable SecretFromEnv reads.
const SecretEnv = "GLINT_SECRET"

// DevSecretFile is the path of the development secret relative to the user's cache
// directory (os.UserCacheDir): DevSecret keeps it there.
const DevSecretFile = "glint/dev-secret"

// SecretFromEnv returns the secret in $GLINT_SECRET. When it is unset or empty (typical in
// development) it returns the development secret kept in the user's cache directory (see
// DevSecret), so that open pages survive a restart of the server on this machine, and logs
// a warning on logger (nil: slog.Default()) that production must set GLINT_SECRET. When
// that file can be neither read nor created, it returns a fresh random secret and logs why:
// tokens signed with it then do not survive a restart. Neither is accepted by other nodes.
func SecretFromEnv(logger *slog.Logger) string {
	if s := os.Getenv(SecretEnv); s != "" {
		return s
	}
	if logger == nil {
		logger = slog.Default()
	}
	secret, path, err := DevSecret()
	if err != nil {
		logger.Warn("token: "+SecretEnv+" is not set and the development secret is unusable; using a random secret, so sessions will not survive a restart or work across nodes", "err", err)
		return RandomSecret()
	}
	logger.Warn("token: "+SecretEnv+" is not set; using this machine's development secret, so sessions survive a restart but not a move to other nodes; production must set "+SecretEnv+" (32+ random bytes, the same on every node)", "file", path)
	return secret
}

// DevSecret returns the development secret and the file that holds it,
// DevSecretFile under os.UserCacheDir. The first call on a machine creates the file
// (mode 0600, in a directory of mode 0700) with a RandomSecret; later calls, from any
// process, read it back. Processes racing to create it agree on one secret. It fails
// when there is no usable cache directory, or when the file is not a regular file,
// holds fewer than MinSecretBytes bytes, or is readable or writable by other users.
func DevSecret() (secret, path string, err error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", "", fmt.Errorf("token: development secret: %w", err)
	}
	path = filepath.Join(dir, filepath.FromSlash(DevSecretFile))
	secret, err = readDevSecret(path)
	if errors.Is(err, fs.ErrNotExist) {
		secret, err = createDevSecret(path)
	}
	if err != nil {
		return "", path, err
	}
	return secret, path, nil
}

// readDevSecret reads and checks the secret file at path.
func readDevSecret(path string) (string, error) {
	info, err := os.Lstat(path)
	if err != nil {
		return "", fmt.Errorf("token: development secret: %w", err)
	}
	if !info.Mode().IsRegular() {
		return "", fmt.Errorf("token: development secret %s: not a regular file", path)
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		return "", fmt.Errorf("token: development secret %s: mode %#o lets other users read or change it; remove it or chmod 600 it", path, perm)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("token: development secret: %w", err)
	}
	s := strings.TrimSpace(string(b))
	if len(s) < MinSecretBytes {
		return "", fmt.Errorf("token: development secret %s: %d bytes, need at least %d; remove the file to get a new one", path, len(s), MinSecretBytes)
	}
	return s, nil
}

// createDevSecret writes a new random secret to path without replacing a file another
// process created meanwhile: the secret is written to a temporary file which is then
// hard-linked to path, so path never holds a partial secret, and a link that finds path
// taken reads the winner's secret instead.
func createDevSecret(path string) (string, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("token: development secret: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".dev-secret-*") // mode 0600
	if err != nil {
		return "", fmt.Errorf("token: development secret: %w", err)
	}
	defer os.Remove(tmp.Name())
	secret := RandomSecret()
	_, werr := tmp.WriteString(secret + "\n")
	if err := errors.Join(werr, tmp.Chmod(0o600), tmp.Close()); err != nil {
		return "", fmt.Errorf("token: development secret: %w", err)
	}
	switch err := os.Link(tmp.Name(), path); {
	case err == nil:
		return secret, nil
	case errors.Is(err, fs.ErrExist):
		return readDevSecret(path)
	default:
		// A file system without hard links: a rename is atomic too, though a process
		// racing this one may keep the secret it wrote until its next start.
		if rerr := os.Rename(tmp.Name(), path); rerr != nil {
			return "", fmt.Errorf("token: development secret: %w", errors.Join(err, rerr))
		}
		return secret, nil
	}
}

// RandomSecret returns a new random 32-byte secret, base64url-encoded.
func RandomSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return base64.RawURLEncoding.EncodeToString(b)
}
