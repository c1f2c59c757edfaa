package models

import (
	"strings"
	"unicode"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Display names are compared on a skeleton, after Unicode TR39: two names a
// reader cannot tell apart have the same skeleton. Ours is small and
// deliberately coarse, because it only decides whether a name comes too
// close to a reserved one: compatibility decomposition (fullwidth,
// mathematical and circled letters become plain ones), combining marks and
// invisible characters dropped, the common Cyrillic, Greek, Armenian,
// Cherokee and Latin look-alikes mapped to the Latin letter they imitate,
// case folded, then the characters that pass for each other in most fonts
// merged (0/o, 1/l/I/i/|/!, rn/m, vv/w). Anything else (spaces, punctuation,
// symbols such as ✓) separates words.

// lookalikes maps a character to the Latin letter it imitates. Upper and
// lower case are listed apart because they imitate different letters (Greek
// Η is H, η is n).
var lookalikes = map[rune]rune{
	// Cyrillic
	'А': 'A', 'В': 'B', 'Е': 'E', 'Ѕ': 'S', 'І': 'I', 'Ј': 'J', 'К': 'K', 'М': 'M', 'Н': 'H', 'О': 'O',
	'Р': 'P', 'С': 'C', 'Т': 'T', 'Х': 'X', 'У': 'Y', 'Ү': 'Y', 'Ԛ': 'Q', 'Ԝ': 'W', 'Ӏ': 'l', 'Ԁ': 'd',
	'а': 'a', 'в': 'b', 'е': 'e', 'ѕ': 's', 'і': 'i', 'ј': 'j', 'к': 'k', 'м': 'm', 'н': 'h', 'о': 'o',
	'р': 'p', 'с': 'c', 'т': 't', 'х': 'x', 'у': 'y', 'ү': 'y', 'ԛ': 'q', 'ԝ': 'w', 'ӏ': 'l', 'ԁ': 'd',
	'һ': 'h', 'ь': 'b', 'п': 'n', 'г': 'r',
	// Greek
	'Α': 'A', 'Β': 'B', 'Ε': 'E', 'Ζ': 'Z', 'Η': 'H', 'Ι': 'I', 'Κ': 'K', 'Μ': 'M', 'Ν': 'N', 'Ο': 'O',
	'Ρ': 'P', 'Τ': 'T', 'Υ': 'Y', 'Χ': 'X', 'Ϲ': 'C', 'Ϳ': 'J',
	'α': 'a', 'β': 'b', 'γ': 'y', 'ε': 'e', 'η': 'n', 'ι': 'i', 'κ': 'k', 'ν': 'v', 'ο': 'o', 'ρ': 'p',
	'τ': 't', 'υ': 'u', 'χ': 'x', 'ω': 'w', 'ϲ': 'c', 'ϳ': 'j', 'μ': 'u',
	// Armenian
	'Օ': 'O', 'Տ': 'S', 'օ': 'o', 'ո': 'n', 'ս': 'u', 'հ': 'h', 'ց': 'g',
	// Cherokee
	'Ꭺ': 'A', 'Ᏼ': 'B', 'Ꮯ': 'C', 'Ꭼ': 'E', 'Ꮋ': 'H', 'Ꭻ': 'J', 'Ꮶ': 'K', 'Ꮇ': 'M', 'Ꮲ': 'P', 'Ꮪ': 'S',
	'Ꭲ': 'T', 'Ꮩ': 'V', 'Ꮃ': 'W', 'Ꮓ': 'Z',
	// Latin letters NFKD leaves alone
	'ı': 'i', 'ȷ': 'j', 'ɑ': 'a', 'ɡ': 'g', 'ɩ': 'i', 'ɪ': 'i', 'ʏ': 'y', 'ʟ': 'l', 'ɴ': 'n', 'ʀ': 'r',
	'ᴀ': 'a', 'ᴄ': 'c', 'ᴅ': 'd', 'ᴇ': 'e', 'ᴋ': 'k', 'ᴍ': 'm', 'ᴏ': 'o', 'ᴘ': 'p', 'ᴛ': 't', 'ᴜ': 'u',
	'ᴠ': 'v', 'ᴡ': 'w', 'ᴢ': 'z', 'ł': 'l', 'Ł': 'L', 'đ': 'd', 'Đ': 'D', 'ø': 'o', 'Ø': 'O', 'ħ': 'h',
	'ƅ': 'b', 'ɒ': 'a',
	// Symbols that pass for letters
	'|': 'l', '!': 'l', 'ǀ': 'l', '$': 's', '@': 'a',
}

// merged are the folded characters that pass for each other.
var merged = strings.NewReplacer("0", "o", "1", "l", "i", "l", "rn", "m", "vv", "w")

var folder = cases.Fold()

// nameWord is one word of a name's skeleton; bare leaves out the digits the
// word ends with ("Admin2" is the word admin too).
type nameWord struct{ full, bare string }

// nameWords splits a name into the words a reader sees, as skeletons. A
// lower-case letter followed by a capital starts a new word ("TheAdmin").
func nameWords(name string) []nameWord {
	var words []nameWord
	var cur []rune
	flush := func() {
		if len(cur) == 0 {
			return
		}
		w := string(cur)
		words = append(words, nameWord{full: wordSkeleton(w), bare: wordSkeleton(strings.TrimRightFunc(w, unicode.IsDigit))})
		cur = cur[:0]
	}
	prevLower := false
	for _, r := range norm.NFKD.String(name) {
		if unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf) || invisible(r) {
			continue
		}
		if m, ok := lookalikes[r]; ok {
			r = m
		}
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			flush()
			prevLower = false
			continue
		}
		if prevLower && unicode.IsUpper(r) {
			flush()
		}
		prevLower = unicode.IsLower(r)
		cur = append(cur, r)
	}
	flush()
	return words
}

func wordSkeleton(w string) string {
	w = strings.Map(func(r rune) rune {
		if unicode.In(r, unicode.Mn, unicode.Me) { // folding İ leaves a dot
			return -1
		}
		return r
	}, folder.String(w))
	return merged.Replace(w)
}

// nameSkeleton is the whole name as one skeleton, word breaks dropped:
// "Maria López", "maria.lopez" and "MARIA LOPEZ" are the same name.
func nameSkeleton(name string) string {
	var b strings.Builder
	for _, w := range nameWords(name) {
		b.WriteString(w.full)
	}
	return b.String()
}
