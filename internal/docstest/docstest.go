package docstest

import (
	"bufio"
	"strings"
)

// Block is one fenced ```go code block of a Markdown file.
type Block struct {
	// File is the Markdown file's name, as given to Extract.
	File string
	// Line is the 1-based line of the block's first line of code (after the fence).
	Line int
	// Code is the block's text, the fence's indentation removed, ending in a newline.
	Code string
}

// Complete reports whether the block is a complete Go file: its first line that is not
// blank and not a // comment is a package clause.
func (b Block) Complete() bool {
	for _, line := range strings.Split(b.Code, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "//") {
			continue
		}
		return strings.HasPrefix(line, "package ")
	}
	return false
}

// Extract returns the ```go blocks of the Markdown text md, named file. A fence is three
// or more backquotes or tildes, indented by any amount (a block inside a list item); its
// info string's first word must be "go". The block ends at a closing fence of the same
// character, at least as long; a block left open runs to the end of the text.
func Extract(file, md string) []Block {
	var blocks []Block
	var (
		in     bool
		fence  string // the opening fence's characters
		indent int    // the opening fence's indentation, removed from the block's lines
		isGo   bool
		start  int
		code   strings.Builder
	)
	sc := bufio.NewScanner(strings.NewReader(md))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimLeft(line, " \t")
		if !in {
			f := fenceOf(trimmed)
			if f == "" {
				continue
			}
			in, fence, indent = true, f, len(line)-len(trimmed)
			info := strings.Fields(trimmed[len(f):])
			isGo = len(info) > 0 && info[0] == "go"
			start = n + 1
			code.Reset()
			continue
		}
		if f := fenceOf(trimmed); f != "" && f[0] == fence[0] && len(f) >= len(fence) && strings.TrimSpace(trimmed[len(f):]) == "" {
			if isGo {
				blocks = append(blocks, Block{File: file, Line: start, Code: code.String()})
			}
			in = false
			continue
		}
		// Remove up to the fence's indentation, as CommonMark does.
		cut := 0
		for cut < indent && cut < len(line) && (line[cut] == ' ' || line[cut] == '\t') {
			cut++
		}
		code.WriteString(line[cut:])
		code.WriteByte('\n')
	}
	if in && isGo {
		blocks = append(blocks, Block{File: file, Line: start, Code: code.String()})
	}
	return blocks
}

// fenceOf returns the run of three or more backquotes or tildes that s begins with, or "".
func fenceOf(s string) string {
	if s == "" || (s[0] != '`' && s[0] != '~') {
		return ""
	}
	n := 0
	for n < len(s) && s[n] == s[0] {
		n++
	}
	if n < 3 {
		return ""
	}
	return s[:n]
}
