package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestReadmePointsInsideTheRepository: every relative link and every file
// path README.md names must exist in this repository, so a reader never
// follows a pointer to a file that only the authors' machine has.
func TestReadmePointsInsideTheRepository(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, m := range regexp.MustCompile(`\]\(([^)#\s]+)(#[^)]*)?\)`).FindAllStringSubmatch(string(readme), -1) {
		if !strings.Contains(m[1], "://") && !strings.HasPrefix(m[1], "mailto:") {
			paths = append(paths, m[1])
		}
	}
	for _, m := range regexp.MustCompile("`([^`\\s<>]+\\.(?:md|go|sql|yaml|yml|html|css|js))`").FindAllStringSubmatch(string(readme), -1) {
		if !strings.HasPrefix(m[1], "/") { // a URL path on the site, e.g. /api/v1/openapi.yaml
			paths = append(paths, m[1])
		}
	}
	if len(paths) < 3 {
		t.Fatalf("found only %v; is the pattern right?", paths)
	}
	for _, p := range paths {
		full := filepath.Join(root, filepath.FromSlash(p))
		if rel, err := filepath.Rel(root, full); err != nil || strings.HasPrefix(rel, "..") {
			t.Errorf("README.md points outside the repository: %s", p)
			continue
		}
		if _, err := os.Stat(full); err != nil {
			t.Errorf("README.md names %s, which is not in the repository", p)
		}
	}
}

// TestReadmeNamesEveryVariable: every environment variable the program
// reads (a quoted NAME_LIKE_THIS in cmd/crowdwise) is in the README's
// configuration table, so no setting is a secret of the source.
func TestReadmeNamesEveryVariable(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var table strings.Builder // the README's table rows
	for _, line := range strings.Split(string(readme), "\n") {
		if strings.HasPrefix(line, "| ") {
			table.WriteString(line + "\n")
		}
	}
	seen := 0
	name := regexp.MustCompile(`"([A-Z][A-Z0-9]*_[A-Z0-9_]+)"`)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range name.FindAllStringSubmatch(string(src), -1) {
			seen++
			if !strings.Contains(table.String(), "`"+m[1]+"`") {
				t.Errorf("%s reads %s, which the README's configuration table does not list", f, m[1])
			}
		}
	}
	if seen < 20 {
		t.Fatalf("found only %d variable names; is the pattern right?", seen)
	}
}
