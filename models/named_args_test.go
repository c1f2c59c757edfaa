package models

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// namedArg is an @name the way GORM's NamedExpr reads it: a name starts at
// '@' and runs to the next space , ) " ' ` CR LF or ; — any other character
// (']', ':', a tab, '+') becomes part of the name, which then matches no
// argument and is sent to PostgreSQL as is ("column "tag" does not exist").
var namedArg = regexp.MustCompile(`(^|[^\w@])@([A-Za-z_]\w*)`)

const gormNameEnd = " ,)\"'`\r\n;"

// TestNamedArgumentsEndWhereGORMReplacesThem scans every string literal in
// the module for @name followed by a character GORM does not end a name at,
// such as ARRAY[@tag] or @x::text; GORM leaves those unreplaced.
func TestNamedArgumentsEndWhereGORMReplacesThem(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	scanned := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules" || d.Name() == "bin") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "named_args_test.go") {
			return nil
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		scanned++
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			if err != nil {
				return true
			}
			for _, m := range namedArg.FindAllStringSubmatchIndex(s, -1) {
				end := m[5]
				// "@example.com" is a mail domain, not an argument.
				if end < len(s) && !strings.ContainsRune(gormNameEnd, rune(s[end])) && s[end] != '.' {
					rel, _ := filepath.Rel(root, path)
					t.Errorf("%s:%d: GORM does not replace %q (follow a named argument with a space, comma or parenthesis)",
						rel, fset.Position(lit.Pos()).Line, s[m[4]-1:min(end+8, len(s))])
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if scanned < 50 {
		t.Fatalf("scanned only %d Go files from %s", scanned, root)
	}
}
