package models

import (
	"fmt"
	"time"
)

// MaxImportProblems is how many problems an import lists; a file with more
// says how many were left out, so that a wrong file does not fill memory.
const MaxImportProblems = 1000

// ImportProblem is one thing wrong with an import file, at a line (1 is the
// header; a row spanning several lines is named by its first).
type ImportProblem struct {
	Line    int
	Message string
}

// ImportErrors lists what is wrong with an import file; nothing was stored.
type ImportErrors struct {
	Problems []ImportProblem
	Omitted  int // problems found beyond MaxImportProblems
}

func (e ImportErrors) Error() string {
	return fmt.Sprintf("import refused: %d problems", len(e.Problems)+e.Omitted)
}

// Total is the number of problems found, listed or not.
func (e ImportErrors) Total() int { return len(e.Problems) + e.Omitted }

// ImportResult says what an import stored.
type ImportResult struct {
	ImportID int64
	Rows     int
	Created  int
	Replaced int
}

// ImportRecord is one past import, as the imports page lists it.
type ImportRecord struct {
	ID            int64
	Filename      string
	RowCount      int
	CreatedCount  int
	ReplacedCount int
	ImportedBy    *int64
	ImportedAt    time.Time
	ImportedName  string `gorm:"->;-:migration"` // filled by Imports' join
}

// TableName names the imports table.
func (ImportRecord) TableName() string { return "imports" }
