package store

import "io/fs"

// LoadMigrationsForTest exposes loadMigrations to the external tests.
func LoadMigrationsForTest(fsys fs.FS, dir string) (int, error) {
	ms, err := loadMigrations(fsys, dir)
	return len(ms), err
}
