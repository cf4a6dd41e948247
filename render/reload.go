package render

import (
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// A step is one call that built a template set, kept so that Reload can make the set
// again: which member it was called on, what it does, and the files it reads.
type step struct {
	member string
	apply  func(t *Template) error
	files  func(h func([]byte)) error // feeds the contents of the files it reads to h
}

// record appends a step to the set's history. Callers hold ns.mu, or are alone with ns.
func (ns *namespace) recordLocked(s step) { ns.steps = append(ns.steps, s) }

func (t *Template) record(s step) {
	ns := t.ns.Load()
	ns.mu.Lock()
	defer ns.mu.Unlock()
	s.member = t.name
	ns.recordLocked(s)
}

// readFiles feeds each named file to h.
func readFiles(names []string, read func(string) ([]byte, error), h func([]byte)) error {
	for _, n := range names {
		b, err := read(n)
		if err != nil {
			return err
		}
		h([]byte(n))
		h(b)
	}
	return nil
}

func globFS(fsys fs.FS, patterns []string) ([]string, error) {
	var names []string
	for _, p := range patterns {
		m, err := fs.Glob(fsys, p)
		if err != nil {
			return nil, err
		}
		names = append(names, m...)
	}
	return names, nil
}

// Reload reads again the files t's set was parsed from (with ParseFiles, ParseGlob or
// ParseFS) and, when any changed, parses the whole set again, as the calls that built it
// did, and makes Execute run the new body of t. It reports whether it did. It is meant
// for development, with templates read from the disk (os.DirFS, ParseFiles); an embed.FS
// never changes. On an error (a file gone, a template that no longer parses or escapes)
// t keeps what it ran before.
//
// Reload is safe to call while t executes: an execution runs either the old body or the
// new one. The first call only notes the files' contents.
func (t *Template) Reload() (bool, error) {
	ns := t.ns.Load()
	ns.mu.Lock()
	steps := append([]step(nil), ns.steps...)
	ns.mu.Unlock()
	h := sha256.New()
	for _, s := range steps {
		if s.files == nil {
			continue
		}
		if err := s.files(func(b []byte) { h.Write(b) }); err != nil {
			return false, fmt.Errorf("render: reload %q: %w", t.name, err)
		}
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	last := t.digest.Swap(&sum)
	if last == nil || *last == sum {
		return false, nil
	}
	if len(steps) == 0 {
		return false, nil
	}
	n := New(steps[0].member)
	for _, s := range steps {
		m := n.Lookup(s.member)
		switch {
		case m == nil && s.member == n.name:
			m = n
		case m == nil:
			m = n.New(s.member)
		}
		if err := s.apply(m); err != nil {
			t.digest.Store(last)
			return false, fmt.Errorf("render: reload %q: %w", t.name, err)
		}
	}
	nt := n.Lookup(t.name)
	if nt == nil {
		t.digest.Store(last)
		return false, fmt.Errorf("render: reload %q: the files no longer define it", t.name)
	}
	p, err := nt.entry()
	if err != nil {
		t.digest.Store(last)
		return false, fmt.Errorf("render: reload %q: %w", t.name, err)
	}
	t.prog.Store(p)
	return true, nil
}

// osFiles reads the named files from the disk.
func osFiles(names []string) func(h func([]byte)) error {
	return func(h func([]byte)) error { return readFiles(names, os.ReadFile, h) }
}

// globFiles reads the files a filepath glob matches now.
func globFiles(pattern string) func(h func([]byte)) error {
	return func(h func([]byte)) error {
		m, err := filepath.Glob(pattern)
		if err != nil {
			return err
		}
		return readFiles(m, os.ReadFile, h)
	}
}

// fsFiles reads the files of fsys the patterns match now.
func fsFiles(fsys fs.FS, patterns []string) func(h func([]byte)) error {
	return func(h func([]byte)) error {
		m, err := globFS(fsys, patterns)
		if err != nil {
			return err
		}
		return readFiles(m, func(n string) ([]byte, error) { return fs.ReadFile(fsys, n) }, h)
	}
}
