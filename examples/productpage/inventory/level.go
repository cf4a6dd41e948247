package inventory

// Level is the coarse stock level shown to shoppers.
type Level string

// The levels, from an item's available count.
const (
	LevelOut    Level = "out"    // 0
	LevelLow    Level = "low"    // 1–149
	LevelMedium Level = "medium" // 150–499
	LevelHigh   Level = "high"   // 500 and up
)

// LevelOf returns the level for an available count. Counts below zero (which a store never
// holds) count as out.
func LevelOf(count int) Level {
	switch {
	case count <= 0:
		return LevelOut
	case count < 150:
		return LevelLow
	case count < 500:
		return LevelMedium
	default:
		return LevelHigh
	}
}
