package token

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// cacheDir points os.UserCacheDir at a new directory for the test and returns it.
func cacheDir(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	cache := filepath.Join(home, "cache")
	t.Setenv("HOME", home)
	t.Setenv("XDG_CACHE_HOME", cache)
	got, err := os.UserCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestSecretFromEnv(t *testing.T) {
	tests := []struct {
		name string
		// setup prepares the environment and returns the file the development secret
		// should be read from and written to, or "" when it should not be used.
		setup func(t *testing.T) string
		env   string
		// persisted: two calls return the same secret, the one in the file.
		persisted bool
		// warn is a fragment the warning must hold; "" means no log at all.
		warn string
	}{
		{
			name:      "GLINT_SECRET set",
			setup:     func(t *testing.T) string { cacheDir(t); return "" },
			env:       "a secret from the environment",
			persisted: true,
		},
		{
			name: "unset: a new development secret",
			setup: func(t *testing.T) string {
				return filepath.Join(cacheDir(t), "glint", "dev-secret")
			},
			persisted: true,
			warn:      "production must set " + SecretEnv,
		},
		{
			name: "unset: the existing development secret",
			setup: func(t *testing.T) string {
				path := writeDevSecret(t, "an existing secret, long enough\n")
				return path
			},
			persisted: true,
			warn:      "production must set " + SecretEnv,
		},
		{
			name: "unset: cache directory under a regular file",
			setup: func(t *testing.T) string {
				file := filepath.Join(t.TempDir(), "file")
				if err := os.WriteFile(file, nil, 0o600); err != nil {
					t.Fatal(err)
				}
				t.Setenv("HOME", file)
				t.Setenv("XDG_CACHE_HOME", filepath.Join(file, "cache"))
				return ""
			},
			warn: "using a random secret",
		},
		{
			name: "unset: no cache directory at all",
			setup: func(t *testing.T) string {
				t.Setenv("HOME", "")
				t.Setenv("XDG_CACHE_HOME", "")
				return ""
			},
			warn: "using a random secret",
		},
		{
			name: "unset: development secret too short",
			setup: func(t *testing.T) string {
				writeDevSecret(t, "short\n")
				return ""
			},
			warn: "remove the file",
		},
		{
			name: "unset: development secret readable by others",
			setup: func(t *testing.T) string {
				path := writeDevSecret(t, "an existing secret, long enough\n")
				if err := os.Chmod(path, 0o644); err != nil {
					t.Fatal(err)
				}
				return ""
			},
			warn: "chmod 600",
		},
		{
			name: "unset: development secret is a directory",
			setup: func(t *testing.T) string {
				path := filepath.Join(cacheDir(t), "glint", "dev-secret")
				if err := os.MkdirAll(path, 0o700); err != nil {
					t.Fatal(err)
				}
				return ""
			},
			warn: "not a regular file",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := tt.setup(t)
			t.Setenv(SecretEnv, tt.env)
			var buf bytes.Buffer
			logger := slog.New(slog.NewTextHandler(&buf, nil))
			a, b := SecretFromEnv(logger), SecretFromEnv(logger)
			if len(a) < MinSecretBytes {
				t.Fatalf("secret %q is shorter than %d bytes", a, MinSecretBytes)
			}
			if tt.env != "" && a != tt.env {
				t.Fatalf("got %q, want $%s %q", a, SecretEnv, tt.env)
			}
			if (a == b) != tt.persisted {
				t.Fatalf("two calls returned %q and %q; persisted = %v", a, b, tt.persisted)
			}
			if file != "" {
				info, err := os.Stat(file)
				if err != nil {
					t.Fatalf("development secret not written: %v", err)
				}
				if perm := info.Mode().Perm(); perm != 0o600 {
					t.Fatalf("%s has mode %#o, want 0600", file, perm)
				}
				if perm := mustStat(t, filepath.Dir(file)).Mode().Perm(); perm&0o077 != 0 {
					t.Fatalf("%s has mode %#o, open to other users", filepath.Dir(file), perm)
				}
				content, err := os.ReadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				if got := strings.TrimSpace(string(content)); got != a {
					t.Fatalf("file holds %q, SecretFromEnv returned %q", got, a)
				}
				if !strings.Contains(buf.String(), file) {
					t.Fatalf("warning does not name %s: %s", file, buf.String())
				}
			}
			if tt.warn == "" {
				if buf.Len() != 0 {
					t.Fatalf("logged although the secret is set: %s", buf.String())
				}
				return
			}
			if !strings.Contains(buf.String(), "level=WARN") || !strings.Contains(buf.String(), SecretEnv) ||
				!strings.Contains(buf.String(), tt.warn) {
				t.Fatalf("want a warning naming %s and %q, got: %s", SecretEnv, tt.warn, buf.String())
			}
		})
	}
}

func mustStat(t *testing.T, path string) os.FileInfo {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return info
}

// TestDevSecretRace: callers racing to create the development secret all get the one
// that ends up in the file, and no temporary file is left behind.
func TestDevSecretRace(t *testing.T) {
	dir := cacheDir(t)
	const n = 8
	secrets := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { secrets[i], _, errs[i] = DevSecret() })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("caller %d: %v", i, errs[i])
		}
		if secrets[i] != secrets[0] {
			t.Fatalf("callers got different secrets: %q", secrets)
		}
	}
	entries, err := os.ReadDir(filepath.Join(dir, "glint"))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "dev-secret" {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Fatalf("cache directory holds %q, want only dev-secret", names)
	}
}

// writeDevSecret writes content as the development secret in the test's cache directory
// and returns its path.
func writeDevSecret(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(cacheDir(t), "glint", "dev-secret")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
